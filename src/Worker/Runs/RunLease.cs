using System.ComponentModel.DataAnnotations;
using Npgsql;
using RosterSync.Domain.Model;

namespace RosterSync.Worker.Runs;

/// <summary>R29: how a Worker holds a running run (configuration section <c>Runs</c>).</summary>
public sealed class RunLeaseOptions : IValidatableObject
{
    public const string Section = "Runs";

    /// <summary>How often the holder renews its lease.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")] public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How long a lease lasts unless renewed: a run whose holder stopped is taken over this long after its last renewal.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "01:00:00")] public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(45);
    /// <summary>How often a run may be taken over; when its lease expires once more it ends failed.</summary>
    [Range(0, 100)] public int MaxTakeovers { get; set; } = 3;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LeaseDuration < LeaseRenewInterval * 2)
            yield return new ValidationResult(
                $"Runs:LeaseDuration ({LeaseDuration}) must be at least twice Runs:LeaseRenewInterval ({LeaseRenewInterval}), so one late renewal does not lose the lease.",
                [nameof(LeaseDuration)]);
    }
}

/// <summary>This Worker process's name as a lease holder: host, process and a random part (a restarted process is another holder).</summary>
public sealed class WorkerIdentity
{
    public string Name { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
}

/// <summary>
/// Renews the lease on a claimed run while the Worker works on it. <see cref="Lost"/> is cancelled when the run is no longer
/// this Worker's (taken over, or cancelled through the Api) or when renewals failed for as long as the lease lasts (database
/// unreachable: another Worker may take it over once it returns); the run then stops and writes nothing.
/// </summary>
public sealed class RunLease : IAsyncDisposable
{
    private readonly RunStatusStore _store;
    private readonly Guid _runId;
    private readonly string _owner;
    private readonly RunLeaseOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile bool _finishing;

    public RunLease(RunStatusStore store, Guid runId, string owner, RunLeaseOptions options, ILogger logger)
    {
        (_store, _runId, _owner, _options, _logger) = (store, runId, owner, options, logger);
        _loop = Task.Run(RenewLoopAsync);
    }

    public string Owner => _owner;
    public CancellationToken Lost => _lost.Token;
    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>The runner is writing the run's final status: a renewal that then finds it no longer running is not a lost lease.</summary>
    public void Finishing() => _finishing = true;

    private async Task RenewLoopAsync()
    {
        var renewedAt = DateTimeOffset.UtcNow;
        using var timer = new PeriodicTimer(_options.LeaseRenewInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    if (!await _store.RenewLeaseAsync(_runId, _owner, _options.LeaseDuration, _stop.Token))
                    {
                        if (_finishing) return;
                        _logger.LogWarning("Run {RunId}: {Worker} no longer holds it (taken over or cancelled); stopping it without writing", _runId, _owner);
                        await _lost.CancelAsync();
                        return;
                    }
                    renewedAt = DateTimeOffset.UtcNow;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException && !_stop.IsCancellationRequested)
                {
                    _logger.LogWarning(e, "Run {RunId}: renewing the lease failed; will try again in {Interval}", _runId, _options.LeaseRenewInterval);
                    if (DateTimeOffset.UtcNow - renewedAt >= _options.LeaseDuration)
                    {
                        _logger.LogWarning("Run {RunId}: the lease of {Worker} expired while the database was unreachable; stopping the run", _runId, _owner);
                        await _lost.CancelAsync();
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The run ended; its final status was written by the runner.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _lost.Dispose();
    }
}
