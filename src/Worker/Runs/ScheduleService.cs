using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.ServiceDefaults;

namespace RosterSync.Worker.Runs;

public sealed class ScheduleOptions
{
    public const string Section = "Schedules";

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Queues a run (trigger "schedule") when a district's cron schedule fires. Replicas serialize on an
/// advisory lock per district and skip a fire that a run queued since already covers; an open run
/// takes precedence (R25). The QueuedRunDispatcher publishes the new run.
/// </summary>
public sealed class ScheduleService(
    NpgsqlDataSource dataSource, TimeProvider clock, IOptions<ScheduleOptions> options, ILogger<ScheduleService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var previous = clock.GetUtcNow();
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = clock.GetUtcNow();
            try
            {
                await QueueDueRunsAsync(previous, now, stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Evaluating sync schedules failed; will try again");
            }
            previous = now;
        }
    }

    public async Task<int> QueueDueRunsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var due = new List<(Guid District, DateTimeOffset FiredAt, string Kind)>();
        await using (var select = dataSource.CreateCommand("""
            SELECT district_id, settings->>'schedule', settings->'source'->>'kind' FROM sync_settings
            WHERE coalesce(settings->>'schedule', '') <> '' AND settings->'source'->>'kind' <> 'upload'
            """))
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                if (Schedules.TryParse(reader.GetString(1), out var cron) && Schedules.LastFireBetween(cron!, from, to) is { } fired)
                    due.Add((reader.GetGuid(0), fired, reader.GetString(2)));
        }
        var queued = 0;
        foreach (var (district, firedAt, kind) in due)
            if (await TryQueueAsync(district, firedAt, kind, ct)) queued++;
        return queued;
    }

    private async Task<bool> TryQueueAsync(Guid districtId, DateTimeOffset firedAt, string sourceKind, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))", connection))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = districtId });
            await lockCommand.ExecuteNonQueryAsync(ct);
        }
        await using var insert = new NpgsqlCommand("""
            INSERT INTO sync_runs (id, district_id, status, trigger, dry_run, source_kind, processed, total, counts, issue_count, approved, queued_at)
            SELECT $1, $2, 'queued', 'schedule', false, $3, 0, 0, '{}'::jsonb, 0, false, now()
            WHERE NOT EXISTS (SELECT 1 FROM sync_runs WHERE district_id = $2 AND (status IN ('queued', 'running', 'awaiting-approval')
                  OR (trigger = 'schedule' AND queued_at >= $4)))
            """, connection);
        insert.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
        insert.Parameters.Add(new NpgsqlParameter { Value = districtId });
        insert.Parameters.Add(new NpgsqlParameter { Value = sourceKind });
        insert.Parameters.Add(new NpgsqlParameter { Value = firedAt });
        var inserted = await insert.ExecuteNonQueryAsync(ct) == 1;
        await tx.CommitAsync(ct);
        if (inserted) logger.LogInformation("Scheduled run queued for district {DistrictId} (fired at {FiredAt:o})", districtId, firedAt);
        return inserted;
    }
}
