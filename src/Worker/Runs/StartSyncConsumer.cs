using MassTransit;
using RosterSync.Contracts;
using RosterSync.Domain.Model;

namespace RosterSync.Worker.Runs;

/// <summary>
/// Thin by design: the atomic claim makes a redelivered or duplicate message do nothing, and a claimed run executes in the
/// Worker's <see cref="RunSlots"/>, so the message is acknowledged at once however long the run takes. Export runs share the
/// run row and its lease, so they arrive here too.
/// </summary>
public sealed class StartSyncConsumer(RunClaimer claimer, RunSlots slots, ILogger<StartSyncConsumer> logger) : IConsumer<StartSync>
{
    public async Task Consume(ConsumeContext<StartSync> context)
    {
        if (!slots.TryReserve())
        {
            logger.LogDebug("Run {RunId} left queued: this Worker's run slots are full; the dispatcher publishes it again", context.Message.RunId);
            return;
        }
        ClaimedRun? run;
        try
        {
            run = await claimer.TryClaimAsync(context.Message.RunId, context.CancellationToken);
        }
        catch
        {
            slots.Release();
            throw;
        }
        if (run is null) slots.Release();
        else slots.Start(run);
    }
}

public sealed class StartSyncConsumerDefinition : ConsumerDefinition<StartSyncConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<StartSyncConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // A message is only a claim: the run executes in RunSlots, which bounds a Worker's runs. Failures are recorded on
        // the run itself, so a broker-level retry would only repeat them.
        endpointConfigurator.PrefetchCount = RunSlots.Capacity;
        endpointConfigurator.ConcurrentMessageLimit = RunSlots.Capacity;
    }
}
