using System.ComponentModel.DataAnnotations;
using Npgsql;

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
    private readonly NpgsqlDataSource _dataSource;
    private readonly Guid _runId;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private string _phase = Domain.Model.RunPhases.Reading;
    private long _processed;
    private long _total;
    private int _dirty;

    public RunProgress(NpgsqlDataSource dataSource, Guid runId, TimeSpan flushEvery)
    {
        _flushEvery = flushEvery;
        _dataSource = dataSource;
        _runId = runId;
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
                if (Interlocked.Exchange(ref _dirty, 0) == 1) await FlushAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            // The run finished; the final state is written by the runner.
        }
        catch (NpgsqlException)
        {
            // Progress is advisory: losing an update must not fail the run.
        }
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(
            "UPDATE sync_runs SET phase = $2, processed = $3, total = $4 WHERE id = $1 AND status = 'running'");
        command.Parameters.Add(new NpgsqlParameter { Value = _runId });
        command.Parameters.Add(new NpgsqlParameter { Value = _phase });
        command.Parameters.Add(new NpgsqlParameter { Value = Interlocked.Read(ref _processed) });
        command.Parameters.Add(new NpgsqlParameter { Value = Interlocked.Read(ref _total) });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
