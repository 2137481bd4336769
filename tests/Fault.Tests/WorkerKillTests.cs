using System.Net;
using RosterSync.Domain.Model;
using Xunit.Abstractions;

namespace RosterSync.Fault.Tests;

/// <summary>R29: kill -9 of the Worker holding a run, in each phase; another Worker takes the run over once its lease expires.</summary>
public sealed class WorkerKillTests(FaultCluster cluster, ITestOutputHelper output) : FaultScenario(cluster, output)
{
    [Fact]
    public async Task R29_kill_9_of_the_Worker_holding_a_run_while_reading_planning_or_applying_loses_nothing()
    {
        string[] phases = [RunPhases.Reading, RunPhases.Planning, RunPhases.Applying, RunPhases.Reading, RunPhases.Planning, RunPhases.Applying];
        for (var i = 0; i < phases.Length; i++)
        {
            var district = await Cluster.CreateDistrictAsync($"Kill {i + 1}");
            var (status, run) = await Cluster.ImportAsync(district);
            Assert.Equal(HttpStatusCode.Accepted, status);
            var seen = await Cluster.WaitForPhaseAsync(run, phases[i], PhaseWait);
            var holder = Cluster.Holder(seen) ?? throw new Xunit.Sdk.XunitException(
                $"Run {run} is {seen.Phase} but its row names no live Worker of the suite as its lease holder (lease_owner '{seen.LeaseOwner}'): R29's lease is missing.");
            Cluster.KillAndReplace(holder);
            var killedAt = DateTime.UtcNow;
            Output.WriteLine($"kill -9 of {holder.Name} (pid {holder.Id}) holding run {run} in {seen.Phase}");

            var row = await SettleAsync($"kill -9 of the holder while {seen.Phase} ({i + 1}/{phases.Length})", killedAt, (district, run));
            var ended = await AssertSucceededAsync(run);
            AssertRecovered(row);
            // Finished by another Worker, which took the run over when the killed one's lease expired.
            Assert.True(ended.Takeovers >= 1, $"run {run} was taken over {ended.Takeovers} times");
            Assert.NotEqual(seen.LeaseOwner, ended.LeaseOwner);
        }
    }
}
