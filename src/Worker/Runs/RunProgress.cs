using System.ComponentModel.DataAnnotations;
using Npgsql;
using RosterSync.Domain.Model;

namespace RosterSync.Worker.Runs;

/// <summary>
/// Keeps the run's phase and processed/total visible while it works (SPEC §5). Reports are cheap field
/// writes; a timer flushes the latest values to the run row every couple of seconds.
/// </summary>
public sealed class RunProgressOptions
{
    public const string Section = "Runs";

    /// <summary>How often a running run's phase and processed/total are written to its row.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")] public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(2);
}

public sealed class RunProgress : IProgress<long>, IAsyncDisposable
{
    private readonly TimeSpan _flushEvery;
    private readonly RunStatusStore _store;
    private readonly Guid _runId;
    private readonly string _owner;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private string _phase = RunPhases.Reading;
    private long _processed;
    private long _total;
    private int _dirty;

    public RunProgress(RunStatusStore store, Guid runId, string owner, TimeSpan flushEvery)
    {
        _flushEvery = flushEvery;
        _store = store;
        _runId = runId;
        _owner = owner;
        _loop = Task.Run(FlushLoopAsync);
    }

    public void Report(long value)
    {
        Interlocked.Exchange(ref _processed, value);
        Interlocked.Exchange(ref _dirty, 1);
    }

    public async Task EnterAsync(string phase, long total, CancellationToken ct)
    {
        _phase = phase;
        Interlocked.Exchange(ref _processed, 0);
        Interlocked.Exchange(ref _total, total);
        await FlushAsync(ct);
    }

    private async Task FlushLoopAsync()
    {
        using var timer = new PeriodicTimer(_flushEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    if (Interlocked.Exchange(ref _dirty, 0) == 1) await FlushAsync(_stop.Token);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException && !_stop.IsCancellationRequested)
                {
                    // Progress is advisory: a lost update (database unreachable) must not fail the run; the next tick writes again.
                    Interlocked.Exchange(ref _dirty, 1);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run finished; the final state is written by the runner.
        }
    }

    private Task FlushAsync(CancellationToken ct) =>
        _store.WriteProgressAsync(_runId, _owner, _phase, Interlocked.Read(ref _processed), Interlocked.Read(ref _total), ct);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
