using System.Net;
using RosterSync.Domain.Model;
using Xunit.Abstractions;

namespace RosterSync.Fault.Tests;

/// <summary>R29: RabbitMQ and PostgreSQL cut at the TCP level for all processes at once, then restored.</summary>
public sealed class OutageTests(FaultCluster cluster, ITestOutputHelper output) : FaultScenario(cluster, output)
{
    [Fact]
    public async Task R29_RabbitMQ_cut_for_30_s_while_runs_are_requested_through_the_Api_loses_no_run()
    {
        var districts = new[] { await Cluster.CreateDistrictAsync("Broker cut 1"), await Cluster.CreateDistrictAsync("Broker cut 2"), await Cluster.CreateDistrictAsync("Broker cut 3") };
        var (firstStatus, first) = await Cluster.ImportAsync(districts[0]);
        Assert.Equal(HttpStatusCode.Accepted, firstStatus);
        await FaultCluster.WaitUntilAsync(async () => (await Cluster.RunAsync(first)).Status == RunStatus.Running, PhaseWait, $"run {first} to be running");

        await Cluster.RabbitMq.CutAsync();
        var cutAt = DateTime.UtcNow;
        var runs = new List<(Guid District, Guid Run)> { (districts[0], first) };
        foreach (var district in districts[1..])
        {
            // The run row is the outbox: the request is answered while the broker is away, and the run is published later.
            var (status, run) = await Cluster.ImportAsync(district);
            Assert.Equal(HttpStatusCode.Accepted, status);
            runs.Add((district, run));
        }
        await Task.Delay(cutAt + TimeSpan.FromSeconds(30) - DateTime.UtcNow);
        Assert.Empty(Cluster.ExitedOnTheirOwn());
        Cluster.RabbitMq.Restore();

        var row = await SettleAsync("RabbitMQ cut 30 s (1 run running, 2 requested during the cut)", DateTime.UtcNow, [.. runs]);
        foreach (var (_, run) in runs) await AssertSucceededAsync(run);
        AssertRecovered(row);
    }

    [Fact]
    public async Task R29_PostgreSQL_cut_for_20_s_during_an_apply_leaves_nothing_half_applied_and_the_run_ends()
    {
        var district = await Cluster.CreateDistrictAsync("Database cut");
        var (status, run) = await Cluster.ImportAsync(district);
        Assert.Equal(HttpStatusCode.Accepted, status);
        await Cluster.WaitForPhaseAsync(run, RunPhases.Applying, PhaseWait);

        await Cluster.Postgres.CutAsync();
        await Task.Delay(TimeSpan.FromSeconds(20));
        Assert.Empty(Cluster.ExitedOnTheirOwn());
        Cluster.Postgres.Restore();

        var row = await SettleAsync("PostgreSQL cut 20 s while applying", DateTime.UtcNow, (district, run));
        Assert.Equal(0, row.Stuck);
        Assert.Equal(0, row.Extra);
        Assert.Empty(Cluster.ExitedOnTheirOwn());
        // The next steps need an Api that answers again (how it answers right after a restore is R30's test).
        await FaultCluster.WaitUntilAsync(async () => await Cluster.GetAsync("/health/ready") == HttpStatusCode.OK
            && await Cluster.GetAsync($"/api/v1/districts/{district}") == HttpStatusCode.OK, TimeSpan.FromMinutes(1), "the Api to answer again");
        if ((await Cluster.RunAsync(run)).Status == RunStatus.Failed)
        {
            // R29 lets the run fail (its failure written once the database is back) instead of being taken over; then R23: nothing of
            // it may remain, and the import asked for again gives the uninterrupted import's roster.
            Assert.Equal(0, (await RosterDigest.ReadAsync(Cluster.Db, district)).Count);
            (status, run) = await Cluster.ImportAsync(district);
            Assert.Equal(HttpStatusCode.Accepted, status);
            row = await SettleAsync("the import requested again after that run failed", DateTime.UtcNow, (district, run));
        }
        await AssertSucceededAsync(run);
        AssertRecovered(row);
    }
}
