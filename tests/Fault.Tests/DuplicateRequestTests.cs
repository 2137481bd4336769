using System.Net;
using RosterSync.Domain.Model;
using Xunit.Abstractions;

namespace RosterSync.Fault.Tests;

/// <summary>R25 with real processes: one run per district at a time, however often it is asked for or delivered.</summary>
public sealed class DuplicateRequestTests(FaultCluster cluster, ITestOutputHelper output) : FaultScenario(cluster, output)
{
    [Fact]
    public async Task R25_the_same_StartSync_delivered_three_times_runs_once()
    {
        var district = await Cluster.CreateDistrictAsync("Three deliveries");
        var run = await Cluster.QueueUnpublishedRunAsync(district);
        await Cluster.PublishStartSyncAsync(run, district, times: 3);

        var row = await SettleAsync("StartSync delivered 3 times", DateTime.UtcNow, (district, run));
        var ended = await AssertSucceededAsync(run);
        AssertRecovered(row);
        Assert.Equal(1, Cluster.TimesStarted(run));
        Assert.True(ended.Takeovers is null or 0, $"taken over {ended.Takeovers} times");
        Assert.Equal(Cluster.ReferenceChanges, await Cluster.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1", run));
    }

    [Fact]
    public async Task R25_concurrent_requests_for_one_district_are_answered_with_its_one_open_run()
    {
        var district = await Cluster.CreateDistrictAsync("Concurrent requests");
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Cluster.ImportAsync(district)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Status));
        var run = answers[0].Run;
        Assert.All(answers, a => Assert.Equal(run, a.Run));

        var first = await SettleAsync("6 concurrent imports of one district", DateTime.UtcNow, (district, run));
        await AssertSucceededAsync(run);
        AssertRecovered(first);
        Assert.Equal(1, await Cluster.ScalarAsync("SELECT count(*) FROM sync_runs WHERE district_id = $1", district));

        // Once the run ended the district's slot is free: the next request is a new run, and the same bundle changes nothing (R23).
        var (status, again) = await Cluster.ImportAsync(district);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.NotEqual(run, again);
        var second = await SettleAsync("the next import of that district (same bundle)", DateTime.UtcNow, (district, again));
        await AssertSucceededAsync(again);
        AssertRecovered(second);
    }
}
