using RosterSync.Domain.Model;
using RosterSync.TestSupport;

namespace RosterSync.Worker.Tests;

/// <summary>
/// A Worker whose broker channels close a delivery left unacknowledged for 1 s, checked every 0.5 s: RabbitMQ's
/// <c>consumer_timeout</c> (30 minutes by default) made small. The settings are the broker's own, read as a channel opens,
/// so this fixture's host opens its channels under them; it runs in the broker-outage collection, alone.
/// </summary>
public sealed class ShortConsumerTimeoutFixture : WorkerFixture
{
    // Put back as set, never unset: a channel opened without a tick interval crashes, and every connection with it.
    private const string Defaults = "application:set_env(rabbit, consumer_timeout, 1800000), application:set_env(rabbit, channel_tick_interval, 60000).";

    protected override async Task StartHostAsync()
    {
        await TestBroker.RabbitMqCtlAsync("eval", "application:set_env(rabbit, consumer_timeout, 1000), application:set_env(rabbit, channel_tick_interval, 500).");
        await base.StartHostAsync();
    }

    /// <summary>Read as each channel opens, and MassTransit opens this host's after it started: they are put back only here.</summary>
    public override async Task DisposeAsync()
    {
        await TestBroker.RabbitMqCtlAsync("eval", Defaults);
        await base.DisposeAsync();
    }
}

[Collection(BrokerOutageGroup.Name)]
public class ConsumerTimeoutTests(ShortConsumerTimeoutFixture worker) : IClassFixture<ShortConsumerTimeoutFixture>
{
    [Fact]
    public async Task R29_a_run_longer_than_the_brokers_consumer_timeout_runs_once_to_its_end()
    {
        // Held inside the consumer, such a run was cancelled when the broker closed the channel, handed back to the queue,
        // and started again, for ever.
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.LargeBundle(50_000));
        await worker.PublishAsync(runId, district);

        var run = await worker.WaitForRunAsync(runId, TimeSpan.FromSeconds(120));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(0, await worker.ScalarAsync("SELECT takeovers FROM sync_runs WHERE id = $1", runId));
        // One uninterrupted attempt, several times longer than the consumer timeout.
        Assert.True(run.FinishedAt - run.StartedAt > TimeSpan.FromSeconds(3), $"the run took {run.FinishedAt - run.StartedAt}");
        Assert.Equal(50_000, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }
}
