using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RosterSync.TestSupport;

namespace RosterSync.Worker.Tests;

/// <summary>A host's log lines kept for a test, and a wait for the line that proves something happened (instead of a sleep).</summary>
public sealed class CapturedLog
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Text)> Lines { get; } = new();

    public ILoggerProvider Provider => new LogCapture(Lines);

    /// <summary>How many lines there are now: a later wait may look only at the lines after it.</summary>
    public int Mark => Lines.Count;

    /// <summary>Waits until a line after <paramref name="after"/> contains every one of <paramref name="parts"/>.</summary>
    public async Task WaitForAsync(TimeSpan timeout, int after, params string[] parts)
    {
        var until = DateTime.UtcNow + timeout;
        while (!Lines.Skip(after).Any(l => parts.All(p => l.Text.Contains(p, StringComparison.Ordinal))))
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"no log line with {string.Join(" and ", parts)}; lines with the first of them, and warnings:\n"
                    + string.Join("\n", Lines.Skip(after).Where(l => l.Level >= LogLevel.Warning || l.Text.Contains(parts[0], StringComparison.Ordinal)).TakeLast(25).Select(l => $"{l.Level} {l.Category}: {FirstLine(l.Text)}")));
            await Task.Delay(50);
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0] is var line && line.Length > 300 ? line[..300] : text.Split('\n')[0];

    public int Count(int after, params string[] parts) =>
        Lines.Skip(after).Count(l => parts.All(p => l.Text.Contains(p, StringComparison.Ordinal)));
}
