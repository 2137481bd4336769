using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources.Sftp;

/// <summary>The supplementary guardian file (SPEC §3), fetched over SFTP on every pulled run and read as a guardian upload.</summary>
public sealed class GuardianFeedReader(SftpFetcher fetcher)
{
    public static string? CheckSettings(GuardianFeedSettings feed, IReadOnlyDictionary<string, string> secrets, SourcesOptions sources)
    {
        ArgumentNullException.ThrowIfNull(feed);
        if (string.IsNullOrWhiteSpace(feed.Path))
        {
            return "The guardian feed needs guardianFeed.path, the remote file to read.";
        }

        return SftpReader.CheckEndpoint("guardianFeed", feed.Host, feed.Port, feed.Username, feed.HostKeyFingerprint,
            secrets.ContainsKey(SecretNames.GuardianFeedPassword) || secrets.ContainsKey(SecretNames.GuardianFeedPrivateKey), sources);
    }

    public async Task<Snapshot> ReadAsync(SourceRequest request, GuardianFeedSettings feed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(feed);
        var endpoint = SftpReader.Endpoint(feed.Host!, feed.Port, feed.Username!, feed.HostKeyFingerprint!,
            request.Secret(SecretNames.GuardianFeedPassword), request.Secret(SecretNames.GuardianFeedPrivateKey));
        var path = feed.Path!.Trim();
        try
        {
            var content = await fetcher.RunAsync(endpoint, request.CircuitKey + ":guardians", (client, token) => fetcher.DownloadAsync(client, path, token), ct);
            await using (content)
            {
                return await SnapshotReader.ReadUploadAsync(content, Path.GetFileName(path), SnapshotReader.Guardians, null, ct);
            }
        }
        catch (SourceReadException e)
        {
            throw new SourceReadException($"The guardian feed '{path}' on the SFTP server could not be read: {e.Message.TrimEnd('.')}. Replace the file with a complete guardian CSV.", e)
            {
                File = e.File is null || e.File == Path.GetFileName(path) ? path : $"{path}: {e.File}",
                Row = e.Row,
            };
        }
    }
}
