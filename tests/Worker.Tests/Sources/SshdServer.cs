using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RosterSync.Worker.Tests.Sources;

/// <summary>
/// A real OpenSSH sshd for the SFTP tests, started from its own config and host key in a temporary directory on a
/// free port of 127.0.0.1 (internal-sftp, no PAM). Two users: one logs in with a password, one with an ed25519 key.
/// The users are created once per machine (useradd needs root, as ./test.sh runs); each fixture works in its own
/// folder of their homes and removes it afterwards. See research/stack-check.md §5 for the pitfalls this avoids.
/// </summary>
public sealed class SshdServer : IAsyncLifetime
{
    public const string PasswordUser = "rs-sftp-pw";
    public const string KeyUser = "rs-sftp-key";

    private readonly string _area = "rs-test-" + Guid.NewGuid().ToString("N")[..10];
    private DirectoryInfo _dir = null!;
    private Process _sshd = null!;

    public string Password { get; } = "Pw-" + Guid.NewGuid().ToString("N")[..16];
    public int Port { get; private set; }

    /// <summary>The host key's fingerprint as <c>ssh-keygen -lf</c> prints it: <c>SHA256:…</c>.</summary>
    public string Fingerprint { get; private set; } = "";

    /// <summary>A fingerprint of another key, for host-key mismatch tests.</summary>
    public string OtherFingerprint { get; private set; } = "";

    /// <summary>The key user's private key, OpenSSH format, as a district would paste it into sync-settings.</summary>
    public string PrivateKey { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            throw new InvalidOperationException("The SFTP tests start a real sshd and create its users: run them as root (./test.sh does).");
        _dir = Directory.CreateTempSubdirectory("rs-sshd-");
        var hostKey = Path.Combine(_dir.FullName, "host_ed25519");
        var clientKey = Path.Combine(_dir.FullName, "client_ed25519");
        var otherKey = Path.Combine(_dir.FullName, "other_ed25519");
        foreach (var key in new[] { hostKey, clientKey, otherKey })
            await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "rostersync-test", "-f", key);
        Fingerprint = (await RunAsync("ssh-keygen", "-lf", hostKey + ".pub")).Split(' ')[1];
        OtherFingerprint = (await RunAsync("ssh-keygen", "-lf", otherKey + ".pub")).Split(' ')[1];
        PrivateKey = await File.ReadAllTextAsync(clientKey);

        await EnsureUserAsync(PasswordUser);
        await RunAsync("sh", "-c", $"echo '{PasswordUser}:{Password}' | chpasswd");
        await EnsureUserAsync(KeyUser);
        await RunAsync("usermod", "-p", "*", KeyUser);
        var ssh = Path.Combine(Home(KeyUser), ".ssh");
        Directory.CreateDirectory(ssh);
        await File.WriteAllTextAsync(Path.Combine(ssh, "authorized_keys"), await File.ReadAllTextAsync(clientKey + ".pub"));
        await RunAsync("chown", "-R", $"{KeyUser}:", ssh);
        await RunAsync("chmod", "700", ssh);
        await RunAsync("chmod", "600", Path.Combine(ssh, "authorized_keys"));

        Directory.CreateDirectory("/run/sshd");
        Port = FreePort();
        var config = Path.Combine(_dir.FullName, "sshd_config");
        await File.WriteAllLinesAsync(config, [
            $"Port {Port}", "ListenAddress 127.0.0.1", $"HostKey {hostKey}", $"PidFile {Path.Combine(_dir.FullName, "sshd.pid")}",
            "UsePAM no", "PasswordAuthentication yes", "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "PermitRootLogin no",
            $"AllowUsers {PasswordUser} {KeyUser}", "AuthorizedKeysFile .ssh/authorized_keys",
            "Subsystem sftp internal-sftp", "ForceCommand internal-sftp", "LogLevel ERROR",
        ]);
        var start = new ProcessStartInfo("/usr/sbin/sshd") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-D", "-e", "-f", config }) start.ArgumentList.Add(a);
        _sshd = Process.Start(start) ?? throw new InvalidOperationException("sshd did not start");
        _sshd.ErrorDataReceived += (_, _) => { };
        _sshd.BeginErrorReadLine();
        await WaitUntilListeningAsync();
    }

    public async Task DisposeAsync()
    {
        if (!_sshd.HasExited) _sshd.Kill();
        await _sshd.WaitForExitAsync();
        _sshd.Dispose();
        foreach (var user in new[] { PasswordUser, KeyUser })
        {
            var area = Path.Combine(Home(user), _area);
            if (Directory.Exists(area)) Directory.Delete(area, recursive: true);
        }

        _dir.Delete(recursive: true);
    }

    /// <summary>An absolute folder in the user's home that belongs to this fixture (created empty).</summary>
    public string Folder(string user, string name)
    {
        var path = Path.Combine(Home(user), _area, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Puts a file where the SFTP user can read it, with the given modification time.</summary>
    public static string Put(string folder, string name, byte[] content, DateTime modifiedUtc)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, content);
        File.SetLastWriteTimeUtc(path, modifiedUtc);
        return path;
    }

    private static string Home(string user) => Path.Combine("/home", user);

    private static async Task EnsureUserAsync(string user)
    {
        if (!Directory.Exists(Home(user)) || !(await File.ReadAllLinesAsync("/etc/passwd")).Any(l => l.StartsWith(user + ":", StringComparison.Ordinal)))
            await RunAsync("useradd", "-m", "-s", "/usr/sbin/nologin", user);
        await RunAsync("chmod", "755", Home(user));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilListeningAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            if (_sshd.HasExited) throw new InvalidOperationException($"sshd exited with {_sshd.ExitCode}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"sshd is not listening on 127.0.0.1:{Port}");
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
        return stdout;
    }
}
