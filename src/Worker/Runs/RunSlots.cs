using System.Collections.Concurrent;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;
using RosterSync.Worker.Export;

namespace RosterSync.Worker.Runs;

/// <summary>
/// The runs this Worker executes, at most <see cref="Capacity"/> at once, each in a scope of its own and detached from the
/// StartSync message that started it. RabbitMQ closes a channel whose delivery stays unacknowledged longer than its
/// <c>consumer_timeout</c> (30 minutes by default), and MassTransit then cancels the consumer: a run held inside the consumer
/// was handed back to the queue and started again, for ever, once it took longer than that. Acknowledging the message once
/// the run is claimed loses nothing: a Worker that dies holding a run stops renewing its lease, and the dispatcher publishes
/// the run again when the lease expires (R29).
/// </summary>
public sealed class RunSlots(IServiceScopeFactory scopes, ILogger<RunSlots> logger) : IHostedService, IDisposable
{
    /// <summary>Runs a Worker executes at once: a run is long and memory-hungry.</summary>
    public const int Capacity = 2;

    private readonly SemaphoreSlim _free = new(Capacity, Capacity);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Guid, Task> _running = new();

    /// <summary>
    /// Takes a slot without waiting, or returns false: the caller then leaves the run queued, and the dispatcher publishes it
    /// again (a message waiting here for a slot could itself outlive the consumer timeout).
    /// </summary>
    public bool TryReserve() => !_stopping.IsCancellationRequested && _free.Wait(0);

    /// <summary>Gives back a slot reserved for a run that was not claimed.</summary>
    public void Release() => _free.Release();

    /// <summary>Executes a claimed run in the slot reserved for it; the slot is given back when the run ends.</summary>
    public void Start(ClaimedRun run)
    {
        // Registered before it starts: a run that ends at once must find itself here to remove.
        var execution = new Task<Task>(() => ExecuteAsync(run));
        _running[run.Id] = execution.Unwrap();
        execution.Start(TaskScheduler.Default);
    }

    private async Task ExecuteAsync(ClaimedRun run)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (run.SourceKind == ExportRunStatuses.SourceKind)
                await scope.ServiceProvider.GetRequiredService<ExportRunner>().RunAsync(run, _stopping.Token);
            else await scope.ServiceProvider.GetRequiredService<SyncRunner>().RunAsync(run, _stopping.Token);
        }
        catch (Exception e)
        {
            // The runners record every outcome on the run; what reaches here left the run to its lease (R29).
            logger.LogError(e, "Run {RunId} ended with an unhandled error; its lease expires and another Worker takes it over", run.Id);
        }
        finally
        {
            _running.TryRemove(run.Id, out _);
            _free.Release();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The Worker is stopping: each run hands itself back to the queue (the runners' shutdown path); waits for them.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_running.Values).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("{Runs} run(s) did not stop within the shutdown timeout; their leases expire and other Workers take them over", _running.Count);
        }
    }

    public void Dispose()
    {
        _free.Dispose();
        _stopping.Dispose();
    }
}
