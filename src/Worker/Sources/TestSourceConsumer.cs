using MassTransit;
using RosterSync.Contracts;

namespace RosterSync.Worker.Sources;

/// <summary>Answers <c>POST sync-settings/test</c>: reads the district's source completely, plans and writes nothing.</summary>
public sealed class TestSourceConsumer(ConfiguredSourceReader reader, ILogger<TestSourceConsumer> logger) : IConsumer<TestSource>
{
    public async Task Consume(ConsumeContext<TestSource> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await reader.TestAsync(context.Message.DistrictId, context.CancellationToken);
        logger.LogInformation("Source test of district {DistrictId}: {Outcome}", context.Message.DistrictId, result.Ok ? "ok" : "failed");
        await context.RespondAsync(result);
    }
}

public sealed class TestSourceConsumerDefinition : ConsumerDefinition<TestSourceConsumer>
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TestSourceConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // A test reads a whole source: a couple at a time per replica. An unanswered test is the caller's timeout, not a retry.
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.PrefetchCount = 2;
        endpointConfigurator.ConcurrentMessageLimit = 2;
    }
}
