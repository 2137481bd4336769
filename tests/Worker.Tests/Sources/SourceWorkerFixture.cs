using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RosterSync.Contracts;
using RosterSync.Domain.Model;
using RosterSync.ServiceDefaults;

namespace RosterSync.Worker.Tests.Sources;

/// <summary>
/// A real Worker host (RabbitMQ, its own database and vhost) whose sources retry fast: delays of tens of
/// milliseconds, a one-second attempt timeout, small pages so paging is exercised. Districts are configured as the
/// Api configures them: settings as jsonb, secrets encrypted with the host's Data Protection keys.
/// </summary>
public class SourceWorkerFixture : WorkerHost
{
    public const int PageSize = 3;
    public const int Retries = 3;
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Extra configuration for a fixture that needs other limits.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [];

    protected override IEnumerable<KeyValuePair<string, string?>> HostSettings =>
    [
        new("Dispatcher:Interval", "00:00:00.500"),
        new("Dispatcher:StaleAfter", "00:00:30"),
        new("Sources:MaxRetries", Retries.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Sources:RetryDelay", "00:00:00.050"),
        new("Sources:MaxRetryDelay", "00:00:05"),
        new("Sources:AttemptTimeout", AttemptTimeout.ToString()),
        new("Sources:RunBudget", "00:01:00"),
        new("Sources:BreakerMinimumThroughput", "6"),
        new("Sources:BreakerFailureRatio", "0.9"),
        new("Sources:BreakerSamplingDuration", "00:00:30"),
        new("Sources:BreakDuration", "00:00:30"),
        new("Sources:Clever:PageSize", PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Sources:ClassLink:PageSize", PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Sources:Sftp:MaxFileBytes", "1000000"),
        .. ExtraSettings,
    ];

    /// <summary>Stores the district's settings and its encrypted secrets, replacing what was there (as a PUT does).</summary>
    public async Task ConfigureAsync(Guid districtId, SyncSettings settings, IReadOnlyDictionary<string, string> secrets)
    {
        var encrypted = Host.Services.GetRequiredService<SecretProtector>().Protect(secrets);
        await using var db = Database.CreateDbContext();
        var row = await db.SyncSettings.SingleOrDefaultAsync(s => s.DistrictId == districtId);
        if (row is null) db.SyncSettings.Add(row = new SyncSettingsRow { DistrictId = districtId });
        row.Settings = settings;
        row.EncryptedSecrets = encrypted;
        row.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync();
    }

    /// <summary>Settings for a source: no safety stop (these tests are about reading), abandoned students archived.</summary>
    public static SyncSettings Settings(SourceSettings source, GuardianFeedSettings? guardianFeed = null) =>
        new() { Source = source, SafetyThresholdMinimum = 100_000, GuardianFeed = guardianFeed };

    /// <summary>Queues a run of the district's pulled source as the Api does (trigger api), publishes it and waits for its end.</summary>
    public async Task<SyncRun> SyncAsync(Guid districtId, string sourceKind, bool dryRun = false)
    {
        var runId = await QueueAsync(districtId, sourceKind, dryRun);
        await PublishAsync(runId, districtId);
        return await WaitForRunAsync(runId);
    }

    /// <summary>Approves a run that waits for approval, as POST sync-runs/{id}/approve does, and waits for its end.</summary>
    public async Task<SyncRun> ApproveAsync(Guid runId, Guid districtId)
    {
        await ScalarAsync("UPDATE sync_runs SET approved = true, status = 'queued' WHERE id = $1 AND status = 'awaiting-approval' RETURNING 1", runId);
        await PublishAsync(runId, districtId);
        return await WaitForRunAsync(runId, null, RunStatus.Succeeded, RunStatus.Failed);
    }

    public async Task<Guid> QueueAsync(Guid districtId, string sourceKind, bool dryRun = false)
    {
        await using var db = Database.CreateDbContext();
        var run = new SyncRun
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Trigger = RunTriggers.Api, SourceKind = sourceKind, DryRun = dryRun,
            QueuedAt = DateTimeOffset.UtcNow, PublishedAt = DateTimeOffset.UtcNow,
        };
        db.SyncRuns.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    /// <summary>Asks the Worker to test the district's source over the bus, as the Api does.</summary>
    public async Task<SourceTestResult> TestSourceAsync(Guid districtId)
    {
        var client = Host.Services.GetRequiredService<IBus>().CreateRequestClient<TestSource>(RequestTimeout.After(s: 60));
        return (await client.GetResponse<SourceTestResult>(new TestSource(districtId))).Message;
    }

    /// <summary>Everything a district holds, and when people last changed: equal before and after a failed run (R22).</summary>
    public Task<string?> RosterStateAsync(Guid districtId) => TextAsync("""
        SELECT concat_ws(' ',
            (SELECT count(*) FROM people WHERE district_id = $1 AND status = 'active'),
            (SELECT count(*) FROM people WHERE district_id = $1),
            (SELECT max(updated_at)::text FROM people WHERE district_id = $1),
            (SELECT count(*) FROM classes WHERE district_id = $1 AND status = 'active'),
            (SELECT count(*) FROM enrollments WHERE district_id = $1 AND ended_at IS NULL),
            (SELECT count(*) FROM memberships WHERE district_id = $1 AND ended_at IS NULL),
            (SELECT count(*) FROM guardian_links WHERE district_id = $1 AND ended_at IS NULL))
        """, districtId);
}
