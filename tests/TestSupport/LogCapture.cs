using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RosterSync.TestSupport;

/// <summary>A logging provider that keeps every line, at every level, for tests that read what a host logged.</summary>
/// <param name="lines">Where the lines go; the host owns the provider, the test keeps the queue.</param>
public sealed class LogCapture(ConcurrentQueue<(LogLevel Level, string Category, string Text)> lines) : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Text)> Lines => lines;

    public ILogger CreateLogger(string categoryName) => new Capture(Lines, categoryName);

    public void Dispose() { }

    private sealed class Capture(ConcurrentQueue<(LogLevel, string, string)> lines, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((logLevel, category, $"{formatter(state, exception)} {state} {exception}"));
    }
}
