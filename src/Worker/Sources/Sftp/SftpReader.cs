using Renci.SshNet;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources.Sftp;

/// <summary>
/// OneRoster CSV bundles over SFTP: lists the folder, takes the newest bundle delivered after the last one processed
/// (or, while only deltas are pending, the oldest of them: <see cref="PickAsync"/>), downloads it (the remote file
/// stays in place) and reads it as an upload would be read. When nothing new is pending the run has nothing to do:
/// it succeeds with a warning and applies nothing.
/// </summary>
public sealed class SftpReader(SftpFetcher fetcher, SftpProcessedFiles processed, ILogger<SftpReader> logger) : IPulledSource
{
    public const string DefaultPattern = "*.zip";
    public const string DefaultFolder = ".";

    public string Kind => SourceKinds.OneRosterSftp;

    public string? CheckSettings(SourceSettings source, IReadOnlyDictionary<string, string> secrets, SourcesOptions sources)
    {
        ArgumentNullException.ThrowIfNull(source);
        return CheckEndpoint("source", source.Host, source.Port, source.Username, source.HostKeyFingerprint,
            secrets.ContainsKey(SecretNames.Password) || secrets.ContainsKey(SecretNames.PrivateKey), sources);
    }

    /// <summary>What is missing or not allowed in an SFTP login (the source's, or the guardian feed's under <paramref name="prefix"/>).</summary>
    public static string? CheckEndpoint(string prefix, string? host, int? port, string? username, string? fingerprint, bool hasSecret, SourcesOptions sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (string.IsNullOrWhiteSpace(host) || string.IsNullOrWhiteSpace(username))
        {
            return $"SFTP needs {prefix}.host and {prefix}.username in sync-settings.";
        }

        if (port is < 1 or > 65535)
        {
            return $"{prefix}.port must be between 1 and 65535.";
        }

        if (fingerprint is null || !fingerprint.Trim().StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase)
            || SftpFetcher.NormalizeFingerprint(fingerprint).Length != 43)
        {
            return $"{prefix}.hostKeyFingerprint must be the server's SHA-256 host key fingerprint as `ssh-keygen -lf <key>.pub` prints it (SHA256:…); "
                + "the host key is never trusted on first use.";
        }

        if (!hasSecret)
        {
            return $"SFTP needs a password or a privateKey for {prefix} in sync-settings.";
        }

        return sources.CheckHost(host.Trim());
    }

    public static SftpEndpoint Endpoint(string host, int? port, string username, string fingerprint, string? password, string? privateKey) =>
        new(host.Trim(), port ?? 22, username.Trim(), password, privateKey, fingerprint);

    public async Task<Snapshot> ReadAsync(SourceRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = request.Source;
        var endpoint = Endpoint(source.Host!, source.Port, source.Username!, source.HostKeyFingerprint!,
            request.Secret(SecretNames.Password), request.Secret(SecretNames.PrivateKey));
        var folder = string.IsNullOrWhiteSpace(source.Folder) ? DefaultFolder : source.Folder.Trim();
        var pattern = string.IsNullOrWhiteSpace(source.FilePattern) ? DefaultPattern : source.FilePattern.Trim();
        var takenBefore = request.RunId is { } runId ? await processed.TakenByAsync(request.DistrictId, runId, ct) : null;
        var last = takenBefore is null && request.RunId is { } id ? await processed.LastProcessedAsync(request.DistrictId, id, ct) : null;

        var (file, content, newest) = await fetcher.RunAsync(endpoint, request.CircuitKey, async (client, token) =>
        {
            var files = await SftpFetcher.ListAsync(client, folder, pattern, token);
            var ordered = files.OrderBy(f => f.ModifiedAt).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
            var pick = takenBefore is not null
                ? files.FirstOrDefault(f => f.Name == takenBefore.Name && f.Size == takenBefore.Size && f.ModifiedAt == takenBefore.ModifiedAt)
                    ?? throw new SourceReadException($"The file '{takenBefore.Name}' this run was planned with is no longer in '{folder}' unchanged; start a new run.")
                : await PickAsync(client, ordered.Where(f => last is null || IsAfter(f, last)).ToList(), token);
            return (pick, pick is null ? null : await fetcher.DownloadAsync(client, pick.Path, token), ordered.LastOrDefault());
        }, ct);

        if (file is null)
        {
            logger.LogInformation("No new SFTP file for district {DistrictId}", request.DistrictId);
            return NothingNew(folder, pattern, newest);
        }

        Snapshot snapshot;
        await using (content!)
        {
            try
            {
                snapshot = await SnapshotReader.ReadUploadAsync(content!, file.Name, SnapshotReader.Roster, request.Progress, ct);
            }
            catch (SourceReadException e)
            {
                // The file stays pending (it was not taken), so every run would fail on it again until it is replaced.
                throw new SourceReadException(
                    $"The SFTP file '{file.Path}' could not be read: {e.Message.TrimEnd('.')}. Replace it on the server with a complete, valid export "
                    + "(or move it out of the folder): until then every run reads it again.", e)
                {
                    File = e.File is null || e.File == file.Name ? file.Path : $"{file.Path}: {e.File}",
                    Row = e.Row,
                };
            }
        }

        if (request.RunId is { } taker)
        {
            await processed.TakeAsync(request.DistrictId, taker, file, ct);
        }

        logger.LogInformation("Read an SFTP bundle of {Bytes} bytes for district {DistrictId}", file.Size, request.DistrictId);
        return snapshot;
    }

    /// <summary>
    /// Of the files after the last one processed (oldest first): the newest that is not a delta package, since a
    /// bulk bundle replaces everything before it; when all of them are deltas, the oldest, so that deltas are applied
    /// one after another in the order they were delivered and none is skipped. Null when nothing is pending.
    /// </summary>
    private static async Task<RemoteFile?> PickAsync(SftpClient client, List<RemoteFile> pending, CancellationToken ct)
    {
        for (var i = pending.Count - 1; i >= 0; i--)
            if (!await SftpFetcher.IsDeltaPackageAsync(client, pending[i].Path, ct)) return pending[i];
        return pending.Count > 0 ? pending[0] : null;
    }

    private static bool IsAfter(RemoteFile file, RemoteFile last) =>
        file.ModifiedAt > last.ModifiedAt || (file.ModifiedAt == last.ModifiedAt && string.CompareOrdinal(file.Name, last.Name) > 0);

    /// <summary>Nothing new to read: every kind absent, so nothing is created, changed or abandoned.</summary>
    private static Snapshot NothingNew(string folder, string pattern, RemoteFile? newest)
    {
        var snapshot = new Snapshot { LinkKind = LinkKinds.OneRoster };
        snapshot.Issues.Add(new SourceIssue(Severities.Warning, ReaderIssues.Partial, null, null, new SourceLocation(folder), newest is null
            ? $"No new file: no file in '{folder}' matches '{pattern}'; nothing to do."
            : $"No new file: the newest file in '{folder}', '{newest.Name}', was already processed; nothing to do."));
        return snapshot;
    }
}
