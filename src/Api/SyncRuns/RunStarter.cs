using System.Data.Common;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Contracts;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.ServiceDefaults;

namespace RosterSync.Api.SyncRuns;

public sealed class RunOptions
{
    public const string Section = "Runs";

    /// <summary>How long a POST waits for RabbitMQ before answering anyway; the Worker's dispatcher publishes later.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>The outcome of asking for a run: the new run, or the district's open run that answers instead (R25).</summary>
public sealed record RunStart(SyncRun Run, bool Created);

/// <summary>
/// Creates runs. The run row is the outbox (issue 3): it is committed first, then StartSync is published; when
/// RabbitMQ is down the request still succeeds and the Worker's dispatcher publishes the queued run later.
/// </summary>
public sealed class RunStarter(RosterDbContext db, IPublishEndpoint publish, IOptions<RunOptions> options, ILogger<RunStarter> logger)
{
    /// <summary>
    /// R25: inserts <paramref name="run"/> unless the district already has an open run, which is returned instead.
    /// <paramref name="alongside"/> writes in the same transaction (an upload), so a refused run leaves nothing behind.
    /// </summary>
    public async Task<RunStart> StartAsync(SyncRun run, Func<NpgsqlConnection, DbTransaction, CancellationToken, Task>? alongside, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await OpenRunAsync(run.DistrictId, ct) is { } open) return new(open, false);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            if (alongside is not null) await alongside(connection, transaction.GetDbTransaction(), ct);
            // Queued when it can start: a large upload takes seconds to store, and that wait is the request's, not the queue's.
            run.QueuedAt = DateTimeOffset.UtcNow;
            if (await RunStatusStore.QueueAsync(connection, run, ct))
            {
                await transaction.CommitAsync(ct);
                break;
            }
            // Another request opened a run between our check and our insert: answer with that one (unless it ended meanwhile).
            await transaction.RollbackAsync(ct);
            if (attempt == 3) throw new InvalidOperationException($"District {run.DistrictId}: no run could be queued, nor an open one found.");
        }
        logger.LogInformation("Run {RunId} queued for district {DistrictId} ({Trigger})", run.Id, run.DistrictId, run.Trigger);
        await PublishAsync(run, ct);
        return new(run, true);
    }

    public async Task PublishAsync(SyncRun run, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.PublishTimeout);
        try
        {
            await publish.Publish(new StartSync(run.Id, run.DistrictId), timeout.Token);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "StartSync for run {RunId} not published; the Worker's dispatcher will publish it", run.Id);
            return;
        }
        var now = DateTimeOffset.UtcNow;
        await db.SyncRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.PublishedAt, now), CancellationToken.None);
        run.PublishedAt = now;
    }

    private Task<SyncRun?> OpenRunAsync(Guid districtId, CancellationToken ct) =>
        db.SyncRuns.AsNoTracking().SingleOrDefaultAsync(r => r.DistrictId == districtId && RunStatus.Open.Contains(r.Status), ct);

    public static SyncRun NewRun(Guid districtId, string trigger, string sourceKind, bool dryRun) => new()
    {
        Id = Guid.CreateVersion7(),
        DistrictId = districtId,
        Trigger = trigger,
        SourceKind = sourceKind,
        DryRun = dryRun,
        Status = RunStatus.Queued,
        QueuedAt = DateTimeOffset.UtcNow,
        TraceParent = Telemetry.CurrentTraceParent(),
    };
}
