using RosterSync.Domain.Model;
using RosterSync.TestSupport;

namespace RosterSync.Worker.Tests;

/// <summary>Stopping the shared broker must not overlap any other test: this collection runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerOutageGroup
{
    public const string Name = "broker outage";
}

/// <summary>Stops the real broker: the run row is the outbox, so a run queued during the outage completes after it.</summary>
[Collection(BrokerOutageGroup.Name)]
public class BrokerOutageTests(WorkerFixture worker) : IClassFixture<WorkerFixture>
{
    [Fact]
    public async Task A_run_queued_while_RabbitMQ_is_stopped_completes_after_it_starts_again()
    {
        var district = await worker.CreateDistrictAsync();
        await TestBroker.StopBrokerAsync();
        Guid runId;
        try
        {
            // As the Api does when its publish fails: the run is stored, never published.
            runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
            await worker.ScalarAsync("UPDATE sync_runs SET published_at = NULL WHERE id = $1 RETURNING 1", runId);
            await Task.Delay(3000);
            Assert.Equal(RunStatus.Queued, (await worker.WaitForRunAsync(runId, null, RunStatus.Queued)).Status);
        }
        finally
        {
            await TestBroker.StartBrokerAsync();
        }

        var run = await worker.WaitForRunAsync(runId, TimeSpan.FromSeconds(90));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(44, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }
}
