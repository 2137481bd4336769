using System.ComponentModel.DataAnnotations;
using MassTransit;
using Npgsql;
using RosterSync.Contracts;
using RosterSync.ServiceDefaults;

namespace RosterSync.Worker.Runs;

public sealed class DispatcherOptions
{
    public const string Section = "Dispatcher";

    /// <summary>How often queued runs are looked at.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>A queued run whose StartSync was published longer ago than this (or never) is published again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The run row is the outbox: a run still queued after a while is published again, so a broker outage
/// or a lost message loses no run. Duplicates are harmless because the claim is atomic.
/// </summary>
public sealed class QueuedRunDispatcher(
    NpgsqlDataSource dataSource, IBus bus, Microsoft.Extensions.Options.IOptions<DispatcherOptions> options, ILogger<QueuedRunDispatcher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval);
        do
        {
            try
            {
                await DispatchStaleAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Re-publishing queued runs failed; will try again in {Interval}", options.Value.Interval);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<int> DispatchStaleAsync(CancellationToken ct)
    {
        var stale = new List<(Guid Run, Guid District, string? TraceParent)>();
        await using (var select = dataSource.CreateCommand("""
            SELECT id, district_id, trace_parent FROM sync_runs
            WHERE status = 'queued' AND (published_at IS NULL OR published_at < now() - $1)
            ORDER BY queued_at LIMIT 100
            """))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = options.Value.StaleAfter });
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) stale.Add((reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }
        foreach (var (run, district, traceParent) in stale)
        {
            using var span = Telemetry.ContinueTrace("dispatch queued run", traceParent);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await bus.Publish(new StartSync(run, district), timeout.Token);
            await using var mark = dataSource.CreateCommand("UPDATE sync_runs SET published_at = now() WHERE id = $1");
            mark.Parameters.Add(new NpgsqlParameter { Value = run });
            await mark.ExecuteNonQueryAsync(ct);
            logger.LogInformation("Re-published StartSync for queued run {RunId}", run);
        }
        return stale.Count;
    }
}
