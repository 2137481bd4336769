using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using RosterSync.Domain.Model;
using Xunit.Abstractions;

namespace RosterSync.Fault.Tests;

/// <summary>
/// Issue 14, the suspected deadlock: the district's event counter (event_sequences) is locked by every writer of the district until
/// it commits — a run by its final status update, an Api edit by its manual_changes insert. Both take the counter as their last
/// lock, after the roster rows they write, so there is one lock order. This scenario is the proof against the real processes:
/// many parallel Api edits of the very people a revert is applying, with PostgreSQL's own deadlock counter read around it.
/// </summary>
public sealed class EventCounterConcurrencyTests(FaultCluster cluster, ITestOutputHelper output) : FaultScenario(cluster, output)
{
    private const int Editors = 16;
    private const int People = 400;
    /// <summary>An idle backend reports its statistics (the deadlock it lost included) within 10 s (PostgreSQL's PGSTAT_IDLE_INTERVAL).</summary>
    private static readonly TimeSpan StatsFlush = TimeSpan.FromSeconds(11);

    [Fact]
    public async Task Api_edits_of_the_people_a_revert_is_applying_take_the_event_counter_in_one_order_no_deadlock()
    {
        var district = await Cluster.CreateDistrictAsync("Counter concurrency");
        var (status, import) = await Cluster.ImportAsync(district);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(RunStatus.Succeeded, await Cluster.WaitForEndAsync(import, FaultCluster.RunEndBound));
        var people = await Cluster.PeopleAsync(district, People);
        var deadlocksBefore = await DeadlocksAsync(TimeSpan.FromSeconds(1.5));

        using var response = await Cluster.Http.PostAsync(new Uri($"/api/v1/districts/{district}/sync-runs/{import}/revert", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var revert = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var answers = new ConcurrentBag<(HttpStatusCode Status, TimeSpan Took, bool WhileApplying)>();
        using var stop = new CancellationTokenSource();
        var applying = false;
        var editors = Enumerable.Range(0, Editors).Select(e => Task.Run(async () =>
        {
            for (var i = e; !stop.IsCancellationRequested; i += Editors)
            {
                var during = Volatile.Read(ref applying);
                var clock = Stopwatch.StartNew();
                using var edit = await Cluster.Http.PatchAsync(new Uri($"/api/v1/districts/{district}/people/{people[i % people.Count]}", UriKind.Relative),
                    JsonContent.Create(new { room = $"K{i}" }));
                answers.Add((edit.StatusCode, clock.Elapsed, during));
            }
        })).ToList();
        var ended = await WaitForRevertAsync(district, revert, () => Volatile.Write(ref applying, true));
        var endedAt = DateTime.UtcNow;
        // A few more edits after the commit, then stop.
        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(editors);

        var deadlocks = await DeadlocksAsync(StatsFlush) - deadlocksBefore;
        var byStatus = answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()}×{(int)g.Key}").ToList();
        var duringApply = answers.Where(a => a.WhileApplying).ToList();
        var slowest = answers.Max(a => a.Took);
        Output.WriteLine($"revert {ended}; {answers.Count} edits ({string.Join(", ", byStatus)}), {duringApply.Count} sent while it applied; " +
            $"slowest {slowest.TotalSeconds:F1} s; deadlocks {deadlocks}");

        Assert.Equal(RunStatus.Succeeded, ended);
        Assert.Equal(0, deadlocks);
        // A deadlock victim is a 500 (Api) or a failed run; an edit may meet a person the revert removed (404, 409).
        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.Conflict, HttpStatusCode.PreconditionFailed }));
        Assert.Contains(duringApply, a => a.Status == HttpStatusCode.OK);
        // The edits and the run took their numbers in one order, with none missing.
        var numbers = await Cluster.ScalarAsync("""
            SELECT count(DISTINCT seq) FROM (SELECT seq FROM manual_changes WHERE district_id = $1 UNION ALL SELECT seq FROM run_events WHERE district_id = $1) n
            """, district);
        Assert.Equal(await Cluster.ScalarAsync("SELECT last_seq FROM event_sequences WHERE district_id = $1", district), numbers);

        Cluster.Table.Add(new FaultRow($"{Editors} parallel Api edits of the people a revert applies ({answers.Count} edits, {deadlocks} deadlocks)",
            1, 0, 0, 0, (DateTime.UtcNow - endedAt).TotalSeconds, $"1 {ended}; edits {string.Join(", ", byStatus)}; slowest edit {slowest.TotalSeconds:F1} s"));
        Output.WriteLine(Cluster.Table.Render());
        Assert.Empty(Cluster.ExitedOnTheirOwn());
    }

    /// <summary>Waits for the revert to end, approving it if it stops for approval (R21); <paramref name="onApplying"/> once it applies.</summary>
    private async Task<string> WaitForRevertAsync(Guid district, Guid revert, Action onApplying)
    {
        var until = DateTime.UtcNow + FaultCluster.RunEndBound;
        while (DateTime.UtcNow < until)
        {
            var run = await Cluster.RunAsync(revert);
            if (run.Status == RunStatus.Running && run.Phase == RunPhases.Applying) onApplying();
            if (run.Status == RunStatus.AwaitingApproval)
            {
                using var approve = await Cluster.Http.PostAsync(new Uri($"/api/v1/districts/{district}/sync-runs/{revert}/approve", UriKind.Relative), null);
                approve.EnsureSuccessStatusCode();
            }
            else if (run.Ended) return run.Status;
            await Task.Delay(20);
        }
        throw new TimeoutException($"revert {revert} did not end within {FaultCluster.RunEndBound}");
    }

    /// <summary>PostgreSQL's count of deadlocks it detected in the suite's database, after <paramref name="settle"/> for backends to report.</summary>
    private async Task<long> DeadlocksAsync(TimeSpan settle)
    {
        await Task.Delay(settle);
        await using var connection = await Cluster.Db.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pg_stat_clear_snapshot(); SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0);
    }
}
