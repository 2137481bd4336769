using System.IO.Enumeration;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Renci.SshNet;
using Renci.SshNet.Common;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources.Sftp;

/// <summary>Where and how to log in; <see cref="ToString"/> never shows the password or key.</summary>
public sealed record SftpEndpoint(string Host, int Port, string Username, string? Password, string? PrivateKey, string Fingerprint)
{
    public override string ToString() => $"{Username}@{Host}:{Port}";
}

public sealed record RemoteFile(string Name, string Path, long Size, DateTimeOffset ModifiedAt);

/// <summary>
/// SFTP with SSH.NET: the server's host key must match the SHA-256 fingerprint pinned in settings (never trusted on
/// first use); transient failures (connection, timeouts) retry the whole exchange with backoff and jitter, behind a
/// circuit breaker per district source. Files are downloaded to a self-deleting temporary file, up to a size cap,
/// and left in place on the server.
/// </summary>
public sealed class SftpFetcher(IOptions<SftpOptions> options, IOptions<SourcesOptions> sources) : IDisposable
{
    private readonly ResiliencePipelineRegistry<string> _pipelines = new();

    /// <summary>Connects, runs <paramref name="work"/> and disconnects; failures become <see cref="SourceReadException"/>s that say what failed.</summary>
    public async Task<T> RunAsync<T>(SftpEndpoint endpoint, string circuitKey, Func<SftpClient, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(work);
        var pipeline = _pipelines.GetOrAddPipeline(circuitKey, Configure);
        try
        {
            return await pipeline.ExecuteAsync(async token =>
            {
                using var connection = await ConnectAsync(endpoint, token);
                return await work(connection.Client, token);
            }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is SshException or SocketException or TimeoutException or BrokenCircuitException or IOException or OperationCanceledException)
        {
            throw new SourceReadException(e switch
            {
                SshAuthenticationException => $"The SFTP server {endpoint} rejected the login (authorization failed): check source.username and the password or private key in sync-settings.",
                BrokenCircuitException => $"The SFTP server {endpoint} failed repeatedly for this district, so connections are paused for a while (circuit open); try again later.",
                SocketException socket => $"The SFTP server {endpoint} could not be reached ({socket.SocketErrorCode}) after {sources.Value.MaxRetries} retries.",
                SshOperationTimeoutException or TimeoutException or OperationCanceledException => $"The SFTP server {endpoint} did not answer in time, {sources.Value.MaxRetries + 1} attempts.",
                _ => $"The SFTP exchange with {endpoint} failed: {e.Message}",
            }, e);
        }
    }

    /// <summary>Regular files in <paramref name="folder"/> whose name matches <paramref name="pattern"/> (* and ?, case-insensitive).</summary>
    public static async Task<IReadOnlyList<RemoteFile>> ListAsync(SftpClient client, string folder, string pattern, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var files = new List<RemoteFile>();
        try
        {
            await foreach (var entry in client.ListDirectoryAsync(folder, ct))
            {
                if (entry.IsRegularFile && FileSystemName.MatchesSimpleExpression(pattern, entry.Name, ignoreCase: true))
                {
                    files.Add(new RemoteFile(entry.Name, entry.FullName, entry.Length, new DateTimeOffset(entry.LastWriteTimeUtc, TimeSpan.Zero)));
                }
            }
        }
        catch (SftpPathNotFoundException e)
        {
            throw new SourceReadException($"The folder '{folder}' does not exist on the SFTP server (or the user cannot see it): check source.folder in sync-settings.", e);
        }
        catch (SftpPermissionDeniedException e)
        {
            throw new SourceReadException($"The SFTP user may not list the folder '{folder}'.", e);
        }

        return files;
    }

    /// <summary>Whether the remote zip is a OneRoster delta package, from its manifest alone (a few ranged reads).</summary>
    public static async Task<bool> IsDeltaPackageAsync(SftpClient client, string path, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        await using var remote = await client.OpenAsync(path, FileMode.Open, FileAccess.Read, ct);
        return OneRosterManifest.IsDeltaPackage(remote);
    }

    /// <summary>Copies a remote file into a temporary file (deleted when the stream is disposed), refusing one over the size cap.</summary>
    public async Task<Stream> DownloadAsync(SftpClient client, string path, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var max = options.Value.MaxFileBytes;
        var file = new FileStream(
            System.IO.Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await using var remote = await client.OpenAsync(path, FileMode.Open, FileAccess.Read, ct);
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await remote.ReadAsync(buffer, ct)) > 0)
            {
                total += read;
                if (total > max)
                {
                    throw new SourceReadException($"The file '{path}' is larger than the {max:N0} bytes allowed (Sources:Sftp:MaxFileBytes).");
                }

                await file.WriteAsync(buffer.AsMemory(0, read), ct);
            }

            file.Position = 0;
            return file;
        }
        catch (SftpPathNotFoundException e)
        {
            await file.DisposeAsync();
            throw new SourceReadException($"The file '{path}' does not exist on the SFTP server.", e);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <summary>"SHA256:abc…" as ssh-keygen -l prints it; the prefix and base64 padding are optional.</summary>
    public static string NormalizeFingerprint(string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var value = fingerprint.Trim();
        return (value.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase) ? value[7..] : value).TrimEnd('=');
    }

    public void Dispose() => _pipelines.Dispose();

    private void Configure(ResiliencePipelineBuilder builder)
    {
        var o = sources.Value;
        var transient = new PredicateBuilder().Handle<SocketException>().Handle<SshConnectionException>().Handle<SshOperationTimeoutException>()
            .Handle<ProxyException>().Handle<TimeoutException>();
        if (o.MaxRetries > 0)
        {
            builder.AddRetry(new()
            {
                ShouldHandle = transient, MaxRetryAttempts = o.MaxRetries, BackoffType = DelayBackoffType.Exponential, UseJitter = true,
                Delay = o.RetryDelay, MaxDelay = o.MaxRetryDelay,
            });
        }

        builder.AddCircuitBreaker(new()
        {
            ShouldHandle = transient, FailureRatio = o.BreakerFailureRatio, MinimumThroughput = o.BreakerMinimumThroughput,
            SamplingDuration = o.BreakerSamplingDuration, BreakDuration = o.BreakDuration,
        });
    }

    private async Task<Connection> ConnectAsync(SftpEndpoint endpoint, CancellationToken ct)
    {
        var connection = new Connection();
        try
        {
            var methods = new List<AuthenticationMethod>();
            if (endpoint.PrivateKey is { } privateKey)
            {
                connection.Key = ReadKey(privateKey);
                methods.Add(new PrivateKeyAuthenticationMethod(endpoint.Username, connection.Key));
            }

            if (endpoint.Password is { } password)
            {
                methods.Add(new PasswordAuthenticationMethod(endpoint.Username, password));
            }

            connection.Methods = methods;
            var info = new ConnectionInfo(endpoint.Host, endpoint.Port, endpoint.Username, [.. methods]) { Timeout = options.Value.ConnectTimeout };
            connection.Client = new SftpClient(info) { OperationTimeout = options.Value.OperationTimeout };
            var pinned = NormalizeFingerprint(endpoint.Fingerprint);
            string? presented = null;
            connection.Client.HostKeyReceived += (_, e) =>
            {
                presented = NormalizeFingerprint(e.FingerPrintSHA256);
                e.CanTrust = string.Equals(presented, pinned, StringComparison.Ordinal);
            };
            try
            {
                await connection.Client.ConnectAsync(ct);
            }
            catch (SshConnectionException e) when (presented is not null && presented != pinned)
            {
                throw new SourceReadException(
                    $"SFTP host key mismatch: {endpoint.Host}:{endpoint.Port} presented SHA256:{presented}, but sync-settings pin SHA256:{pinned}. "
                    + "If the server's key changed on purpose, save its new fingerprint as hostKeyFingerprint; otherwise the connection may be intercepted.", e);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static PrivateKeyFile ReadKey(string privateKey)
    {
        try
        {
            return new PrivateKeyFile(new MemoryStream(Encoding.UTF8.GetBytes(privateKey.Trim() + "\n")));
        }
        catch (Exception e) when (e is SshException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new SourceReadException("The SFTP private key in sync-settings could not be read: give an OpenSSH or PEM key without a passphrase.", e);
        }
    }

    /// <summary>A connected client and the key and login methods it was made with, disposed together.</summary>
    private sealed class Connection : IDisposable
    {
        public SftpClient Client { get; set; } = null!;
        public PrivateKeyFile? Key { get; set; }
        public List<AuthenticationMethod> Methods { get; set; } = [];

        public void Dispose()
        {
            if (Client is { IsConnected: true })
            {
                Client.Disconnect();
            }

            Client?.Dispose();
            foreach (var method in Methods.OfType<IDisposable>())
            {
                method.Dispose();
            }

            Key?.Dispose();
        }
    }
}
