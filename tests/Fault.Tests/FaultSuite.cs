using RosterSync.Domain.Model;
using Xunit.Abstractions;

namespace RosterSync.Fault.Tests;

/// <summary>
/// The fault suite: faults against the real processes of <see cref="FaultCluster"/> (kill -9 of the Worker holding a run, RabbitMQ
/// and PostgreSQL cut at the TCP level, one message delivered three times, concurrent requests). After each, every run must end
/// (succeeded) within <see cref="FaultCluster.RunEndBound"/> and the district's roster must equal the uninterrupted import's. Each
/// scenario adds its row to .local/test-results/fault-suite.md. All classes of the collection share one cluster and run one after
/// another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class FaultSuite : ICollectionFixture<FaultCluster>
{
    public const string Name = "fault suite";
}

/// <summary>What every scenario does after its fault: wait for its runs, compare rosters, add its row, check nothing exited.</summary>
[Collection(FaultSuite.Name)]
public abstract class FaultScenario(FaultCluster cluster, ITestOutputHelper output)
{
    protected static readonly TimeSpan PhaseWait = TimeSpan.FromMinutes(2);

    protected FaultCluster Cluster => cluster;
    protected ITestOutputHelper Output => output;

    protected async Task<FaultRow> SettleAsync(string scenario, DateTime faultEnded, params (Guid District, Guid Run)[] runs)
    {
        var row = await cluster.SettleAsync(scenario, faultEnded, runs);
        output.WriteLine(cluster.Table.Render());
        return row;
    }

    /// <summary>The run ended succeeded; otherwise fails naming its status and error.</summary>
    protected async Task<RunRow> AssertSucceededAsync(Guid runId)
    {
        var run = await cluster.RunAsync(runId);
        Assert.True(run.Status == RunStatus.Succeeded, $"run {runId} is {run.Status}: {run.Error}");
        return run;
    }

    protected void AssertRecovered(FaultRow row)
    {
        Assert.Equal(0, row.Stuck);
        Assert.Equal(0, row.Lost);
        Assert.Equal(0, row.Extra);
        Assert.Empty(cluster.ExitedOnTheirOwn());
    }
}
