using MassTransit;
using RosterSync.Contracts;

namespace RosterSync.Worker.Runs;

/// <summary>Thin by design: the atomic claim makes a redelivered or duplicate message do nothing.</summary>
public sealed class StartSyncConsumer(RunClaimer claimer, SyncRunner runner) : IConsumer<StartSync>
{
    public async Task Consume(ConsumeContext<StartSync> context)
    {
        if (await claimer.TryClaimAsync(context.Message.RunId, context.CancellationToken) is not { } run) return;
        await runner.RunAsync(run, context.CancellationToken);
    }
}

public sealed class StartSyncConsumerDefinition : ConsumerDefinition<StartSyncConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<StartSyncConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // A run is long and memory-hungry; a Worker replica runs a few at most. Failures are recorded on
        // the run itself, so a broker-level retry would only repeat them.
        endpointConfigurator.PrefetchCount = 2;
        endpointConfigurator.ConcurrentMessageLimit = 2;
    }
}
