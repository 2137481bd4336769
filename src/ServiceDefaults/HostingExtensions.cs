using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RosterSync.Domain.Persistence;

namespace RosterSync.ServiceDefaults;

/// <summary>What the Api and the Worker set up alike: storage, messaging, secrets and health.</summary>
public static class HostingExtensions
{
    /// <param name="poolDbContexts">Take RosterDbContexts from a pool (PersistenceExtensions.AddRosterDb).</param>
    public static IHostApplicationBuilder AddRosterDefaults(
        this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator>? configureBus = null, bool poolDbContexts = false)
    {
        builder.Services.AddRosterDb(builder.Configuration.GetConnectionString(PersistenceExtensions.ConnectionName), poolDbContexts);

        builder.Services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            // A publish before the consumer's queue exists is dropped: start the bus before serving.
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            configureBus?.Invoke(x);
            x.UsingRabbitMq((context, cfg) =>
            {
                var rabbit = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                cfg.Host(rabbit.Host, (ushort)rabbit.Port, rabbit.VirtualHost, h =>
                {
                    h.Username(rabbit.Username);
                    h.Password(rabbit.Password);
                });
                cfg.ConfigureEndpoints(context);
            });
        });

        builder.AddRosterKeyRing();
        builder.Services.AddSingleton<SecretProtector>();

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<PostgresHealthCheck>("postgresql", tags: ["ready"])
            .AddCheck<RabbitMqHealthCheck>("rabbitmq", tags: ["ready"]);
        builder.AddRosterTelemetry();
        return builder;
    }
}
