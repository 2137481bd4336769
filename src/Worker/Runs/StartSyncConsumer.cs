using MassTransit;
using RosterSync.Contracts;
using RosterSync.Domain.Export;
using RosterSync.Worker.Export;

namespace RosterSync.Worker.Runs;

/// <summary>
/// Thin by design: the atomic claim makes a redelivered or duplicate message do nothing. Export runs share the run row and
/// its lease, so they arrive here too.
/// </summary>
public sealed class StartSyncConsumer(RunClaimer claimer, SyncRunner runner, ExportRunner exporter) : IConsumer<StartSync>
{
    public async Task Consume(ConsumeContext<StartSync> context)
    {
        if (await claimer.TryClaimAsync(context.Message.RunId, context.CancellationToken) is not { } run) return;
        if (run.SourceKind == ExportRunStatuses.SourceKind) await exporter.RunAsync(run, context.CancellationToken);
        else await runner.RunAsync(run, context.CancellationToken);
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
