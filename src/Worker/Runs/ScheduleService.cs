using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.ServiceDefaults;

namespace RosterSync.Worker.Runs;

public sealed class ScheduleOptions
{
    public const string Section = "Schedules";

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>The wait before the first retry of a scheduled run that failed on a transient source error; each further one waits three times longer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Retries of one due time at most (5, 15, 45 minutes after each failure with the defaults).</summary>
    [Range(0, 10)] public int MaxRetries { get; set; } = 3;
}

/// <summary>
/// Queues a run (trigger "schedule") when a district's schedule is due, in its time zone and outside its pauses, and
/// again with backoff when that run failed on a transient source error, before the next due time. Each due time and
/// each retry is a row in schedule_fires inserted once, so of all replicas one queues it; an open run takes precedence
/// (R25). The QueuedRunDispatcher publishes the new run.
/// </summary>
public sealed class ScheduleService(
    NpgsqlDataSource dataSource, TimeProvider clock, IOptions<ScheduleOptions> options, ILogger<ScheduleService> logger) : BackgroundService
{
    /// <summary>How far back failed scheduled runs are looked at for a retry; retries come before the next due time anyway.</summary>
    private static readonly TimeSpan RetryLookback = TimeSpan.FromDays(1);

    private sealed record Scheduled(DistrictSchedule Schedule, string SourceKind);

    private sealed record FailedFire(Guid DistrictId, DateTimeOffset DueAt, int Attempt, DateTimeOffset FailedAt);

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
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Evaluating sync schedules failed; will try again");
            }
            previous = now;
        }
    }

    /// <summary>Queues the runs due in (from, to] and the retries due by <paramref name="to"/>; answers how many it queued.</summary>
    public async Task<int> QueueDueRunsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var schedules = await LoadSchedulesAsync(ct);
        var queued = 0;
        foreach (var (district, scheduled) in schedules)
            if (scheduled.Schedule.DueBetween(from, to) is { } due && await TryQueueAsync(district, due, 1, scheduled.SourceKind, ct))
                queued++;

        var (maxRetries, delay) = (options.Value.MaxRetries, options.Value.RetryDelay);
        foreach (var failed in await FailedFiresAsync(to - RetryLookback, to, ct))
            if (schedules.TryGetValue(failed.DistrictId, out var scheduled)
                && scheduled.Schedule.RetryAt(failed.DueAt, failed.Attempt, failed.FailedAt, maxRetries, delay) is { } at && at <= to
                && await TryQueueAsync(failed.DistrictId, failed.DueAt, failed.Attempt + 1, scheduled.SourceKind, ct))
                queued++;
        return queued;
    }

    private async Task<Dictionary<Guid, Scheduled>> LoadSchedulesAsync(CancellationToken ct)
    {
        var schedules = new Dictionary<Guid, Scheduled>();
        await using var select = dataSource.CreateCommand("""
            SELECT district_id, settings FROM sync_settings
            WHERE coalesce(settings->>'schedule', '') <> '' AND settings->'source'->>'kind' <> 'upload'
            """);
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var settings = JsonSerializer.Deserialize<SyncSettings>(reader.GetString(1), JsonSerializerOptions.Web) ?? SyncSettings.Default;
            if (DistrictSchedule.From(settings) is { } schedule) schedules[reader.GetGuid(0)] = new(schedule, settings.Source.Kind);
        }
        return schedules;
    }

    /// <summary>The last attempt of each recent due time, where that attempt's run failed on a transient source error.</summary>
    private async Task<List<FailedFire>> FailedFiresAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken ct)
    {
        var failed = new List<FailedFire>();
        await using var select = dataSource.CreateCommand("""
            SELECT f.district_id, f.due_at, f.attempt, r.finished_at FROM schedule_fires f JOIN sync_runs r ON r.id = f.run_id
            WHERE f.due_at > $1 AND f.due_at <= $2 AND r.status = 'failed' AND r.retryable AND r.finished_at IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM schedule_fires later
                              WHERE later.district_id = f.district_id AND later.due_at = f.due_at AND later.attempt > f.attempt)
            """);
        select.Parameters.Add(new NpgsqlParameter { Value = since });
        select.Parameters.Add(new NpgsqlParameter { Value = until });
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            failed.Add(new(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3)));
        return failed;
    }

    /// <summary>Records the fire (district, due time, attempt) and queues its run, in one transaction; false when another replica had it.</summary>
    private async Task<bool> TryQueueAsync(Guid districtId, DateTimeOffset dueAt, int attempt, string sourceKind, CancellationToken ct)
    {
        // A scheduled run's trace starts here; the dispatcher's publish continues it (trace_parent).
        using var span = Telemetry.Source.StartActivity("schedule fire");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await ExecuteAsync(connection, """
                INSERT INTO schedule_fires (district_id, due_at, attempt, fired_at) VALUES ($1, $2, $3, now()) ON CONFLICT DO NOTHING
                """, ct, districtId, dueAt, attempt) == 0)
            return false;

        var run = new SyncRun
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Trigger = RunTriggers.Schedule, SourceKind = sourceKind,
            QueuedAt = DateTimeOffset.UtcNow, TraceParent = Telemetry.CurrentTraceParent(),
        };
        var runId = run.Id;
        // R25: the district's open run answers instead.
        var queued = await RunStatusStore.QueueAsync(connection, run, ct);
        if (queued)
            await ExecuteAsync(connection, "UPDATE schedule_fires SET run_id = $1 WHERE district_id = $2 AND due_at = $3 AND attempt = $4",
                ct, runId, districtId, dueAt, attempt);
        await tx.CommitAsync(ct);

        if (queued)
            logger.LogInformation("Scheduled run {RunId} queued for district {DistrictId} (due {DueAt:o}, attempt {Attempt})", runId, districtId, dueAt, attempt);
        else
            logger.LogInformation("Schedule of district {DistrictId} due {DueAt:o} (attempt {Attempt}) skipped: the district has an open run", districtId, dueAt, attempt);
        return queued;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return await command.ExecuteNonQueryAsync(ct);
    }
}
