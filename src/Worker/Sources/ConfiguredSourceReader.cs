using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Contracts;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;
using RosterSync.ServiceDefaults;
using RosterSync.Worker.Runs;
using RosterSync.Worker.Sources.Sftp;

namespace RosterSync.Worker.Sources;

/// <summary>
/// Reads the source a district has configured (Clever, ClassLink, OneRoster over SFTP) for a run or a test. Settings
/// and secrets are loaded and decrypted on every read, so a changed secret takes effect at once; the whole read,
/// the guardian feed included, runs within the time budget (Sources:RunBudget).
/// </summary>
public sealed class ConfiguredSourceReader(
    NpgsqlDataSource dataSource, SecretProtector protector, IEnumerable<IPulledSource> sources, GuardianFeedReader guardianFeed,
    IOptions<SourcesOptions> options, ILogger<ConfiguredSourceReader> logger) : ISourceReader
{
    public bool CanRead(ClaimedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.UploadId is null && sources.Any(s => s.Kind == run.SourceKind);
    }

    public async Task<Snapshot> ReadAsync(ClaimedRun run, IProgress<long> rowsRead, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (settings, secrets) = await LoadAsync(run.DistrictId, ct);
        if (settings.Source.Kind != run.SourceKind)
        {
            throw new SourceReadException(
                $"The run was queued for the source '{run.SourceKind}', but the district's source is now '{settings.Source.Kind}'; start a new run.");
        }

        var source = sources.First(s => s.Kind == run.SourceKind);
        if (CheckSettings(source, settings, secrets) is { } problem)
        {
            throw new SourceReadException(problem);
        }

        return await ReadAsync(source, new SourceRequest(run.DistrictId, run.Id, settings.Source, secrets, rowsRead), settings.GuardianFeed, ct);
    }

    /// <summary>Reads the configured source completely without planning or writing anything (not even an SFTP file taken).</summary>
    public async Task<SourceTestResult> TestAsync(Guid districtId, CancellationToken ct)
    {
        var (settings, secrets) = await LoadAsync(districtId, ct);
        if (sources.FirstOrDefault(s => s.Kind == settings.Source.Kind) is not { } source)
        {
            return Failed($"The district's source is '{settings.Source.Kind}', which the Worker does not pull: there is nothing to test. "
                + "Configure a clever, classlink or oneroster-sftp source first.", settingsProblem: true);
        }

        if (CheckSettings(source, settings, secrets) is { } problem)
        {
            return Failed(problem, settingsProblem: true);
        }

        try
        {
            var snapshot = await ReadAsync(source, new SourceRequest(districtId, null, settings.Source, secrets, new Progress<long>()), settings.GuardianFeed, ct);
            return new SourceTestResult(true, Counts(snapshot), null);
        }
        catch (SourceReadException e)
        {
            return Failed(e.Message, settingsProblem: false);
        }
    }

    public static IReadOnlyDictionary<string, int> Counts(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new Dictionary<string, int>
        {
            ["schools"] = snapshot.Schools.Count,
            ["people"] = snapshot.People.Count,
            ["students"] = snapshot.People.Count(p => p.Roles.Contains(Roles.Student)),
            ["staff"] = snapshot.People.Count(p => p.Roles.Any(Roles.IsStaffLike)),
            ["guardians"] = snapshot.People.Count(p => p.Roles.Contains(Roles.Guardian)),
            ["classes"] = snapshot.Classes.Count,
            ["enrollments"] = snapshot.Enrollments.Count,
            ["guardianLinks"] = snapshot.GuardianLinks.Count,
            ["academicSessions"] = snapshot.Sessions.Count,
            ["courses"] = snapshot.Courses.Count,
            ["issues"] = snapshot.Issues.Count,
        };
    }

    private string? CheckSettings(IPulledSource source, SyncSettings settings, IReadOnlyDictionary<string, string> secrets) =>
        source.CheckSettings(settings.Source, secrets, options.Value)
        ?? (settings.GuardianFeed is { } feed ? GuardianFeedReader.CheckSettings(feed, secrets, options.Value) : null);

    private async Task<Snapshot> ReadAsync(IPulledSource source, SourceRequest request, GuardianFeedSettings? feed, CancellationToken ct)
    {
        var budget = options.Value.RunBudget;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(budget);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var snapshot = await source.ReadAsync(request, timeout.Token);
            // Nothing new from the source (all kinds absent): the guardian file has no students to attach to.
            if (feed is not null && snapshot.ModeOf(SnapshotKinds.People) != FeedMode.Absent)
            {
                GuardianFeedMerge.Into(snapshot, await guardianFeed.ReadAsync(request, feed, timeout.Token));
            }

            logger.LogInformation("Read the {Kind} source of district {DistrictId}: {People} people, {Classes} classes, {Enrollments} enrollments in {Elapsed}",
                source.Kind, request.DistrictId, snapshot.People.Count, snapshot.Classes.Count, snapshot.Enrollments.Count, Stopwatch.GetElapsedTime(started));
            return snapshot;
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new SourceReadException($"Reading the {source.Kind} source did not finish within its time budget of {budget} (Sources:RunBudget).", e);
        }
        catch (SourceReadException e) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new SourceReadException($"Reading the {source.Kind} source did not finish within its time budget of {budget} (Sources:RunBudget).", e);
        }
        catch (SourceReadException)
        {
            logger.LogWarning("Reading the {Kind} source of district {DistrictId} failed", source.Kind, request.DistrictId);
            throw;
        }
    }

    private async Task<(SyncSettings Settings, IReadOnlyDictionary<string, string> Secrets)> LoadAsync(Guid districtId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT settings, encrypted_secrets FROM sync_settings WHERE district_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return (SyncSettings.Default, new Dictionary<string, string>());
        }

        var settings = JsonSerializer.Deserialize<SyncSettings>(reader.GetString(0), JsonSerializerOptions.Web) ?? SyncSettings.Default;
        return (settings, protector.Unprotect(reader.IsDBNull(1) ? null : reader.GetString(1)));
    }

    private static SourceTestResult Failed(string problem, bool settingsProblem) =>
        new(false, new Dictionary<string, int>(), problem, settingsProblem);
}
