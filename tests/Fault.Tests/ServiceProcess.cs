using System.Diagnostics;

namespace RosterSync.Fault.Tests;

/// <summary>
/// A built host (the Api or the Worker) started as its own OS process, <c>dotnet &lt;dll&gt;</c>, its console output appended to
/// a log file. <see cref="Kill9"/> sends SIGKILL, as <c>kill -9</c> does: no shutdown code of the host runs.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;

    private ServiceProcess(string name, Process process, string logPath) => (Name, _process, LogPath) = (name, process, logPath);

    public string Name { get; }
    public string LogPath { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/></c> in the dll's folder (its content root).</summary>
    public static ServiceProcess Start(string name, string dll, IEnumerable<KeyValuePair<string, string>> environment, string logPath, params string[] args)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is not built (the solution build makes it)", dll);
        File.AppendAllText(logPath, "");
        // exec: the shell becomes dotnet, so the process id is the host's and a SIGKILL reaches the host itself.
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = Path.GetDirectoryName(dll)!, UseShellExecute = false };
        foreach (var a in (string[])["-c", "log=$1; shift; exec dotnet \"$@\" >>\"$log\" 2>&1", "sh", logPath, dll, .. args])
            start.ArgumentList.Add(a);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
        return new ServiceProcess(name, process, logPath);
    }

    /// <summary>SIGKILL (kill -9).</summary>
    public void Kill9()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>What the process wrote so far.</summary>
    public string ReadLog()
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!ReadLog().Contains(text, StringComparison.Ordinal))
        {
            if (HasExited) throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) before writing '{text}'; see {LogPath}");
            if (DateTime.UtcNow > until) throw new TimeoutException($"{Name} did not write '{text}' within {timeout.TotalSeconds:F0} s; see {LogPath}");
            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill9();
        _process.Dispose();
    }
}
