using System.ComponentModel.DataAnnotations;
using MassTransit;
using Microsoft.Extensions.Options;
using RosterSync.Contracts;
using RosterSync.Domain.Model;
using RosterSync.ServiceDefaults;

namespace RosterSync.Worker.Runs;

public sealed class DispatcherOptions
{
    public const string Section = "Dispatcher";

    /// <summary>How often queued runs and expired leases are looked at.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>A queued run whose StartSync was published longer ago than this (or never) is published again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How long one publish may wait for RabbitMQ before the sweep gives up until its next turn.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")] public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>The longest wait between sweeps while PostgreSQL or RabbitMQ is unreachable (the wait doubles from Interval).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// The run row is the outbox: a run still queued after a while is published again, so a broker outage or a lost message
/// loses no run. R29: a running run whose lease expired (its Worker died) is published again too, and any Worker's claim
/// takes it over; a run taken over too often ends failed. Duplicates are harmless because the claim is atomic. The loop
/// outlives PostgreSQL and RabbitMQ outages: it logs, waits with backoff and tries again.
/// </summary>
public sealed class QueuedRunDispatcher(
    RunStatusStore store, IBus bus, IOptions<DispatcherOptions> options, IOptions<RunLeaseOptions> leaseOptions, TimeProvider clock,
    ILogger<QueuedRunDispatcher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.Interval;
            try
            {
                await SweepAsync(stoppingToken);
                failures = 0;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                wait = Backoff(failures);
                logger.LogWarning(e, "Dispatching runs failed ({Failures} in a row; {Error}); will try again in {Wait}", failures, e.GetType().Name, wait);
            }
            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var interval = options.Value.Interval;
        var doubled = interval * Math.Pow(2, Math.Min(failures, 16));
        return doubled < options.Value.MaxBackoff ? doubled : (options.Value.MaxBackoff > interval ? options.Value.MaxBackoff : interval);
    }

    /// <summary>One turn: end runs taken over too often, then publish stale queued runs and runs whose lease expired.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        foreach (var run in await store.FailTakenOverTooOftenAsync(leaseOptions.Value.MaxTakeovers, ct))
            logger.LogWarning("Run {RunId} failed: taken over {MaxTakeovers} times and its lease expired again", run, leaseOptions.Value.MaxTakeovers);
        return await DispatchStaleAsync(ct);
    }

    public async Task<int> DispatchStaleAsync(CancellationToken ct)
    {
        var stale = await store.ToPublishAsync(options.Value.StaleAfter, 100, ct);
        foreach (var (run, district, traceParent) in stale)
        {
            using var span = Telemetry.ContinueTrace("dispatch queued run", traceParent);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Value.PublishTimeout);
            try
            {
                await bus.Publish(new StartSync(run, district), timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"Publishing StartSync for run {run} took longer than {options.Value.PublishTimeout} (RabbitMQ unreachable?)");
            }
            await store.MarkPublishedAsync(run, ct);
            logger.LogInformation("Re-published StartSync for run {RunId}", run);
        }
        return stale.Count;
    }
}
