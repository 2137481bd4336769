using MassTransit;
using RosterSync.Domain.Model;
using RosterSync.ServiceDefaults;
using RosterSync.Worker.Events;
using RosterSync.Worker.Export;
using RosterSync.Worker.Runs;
using RosterSync.Worker.Sources;
using RosterSync.Worker.Webhooks;

namespace RosterSync.Worker;

public static class Extensions
{
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddRosterDefaults(bus =>
        {
            bus.AddConsumer<StartSyncConsumer, StartSyncConsumerDefinition>();
            bus.AddSourceConsumers();
            bus.AddExportConsumers();
        });
        // R29: a Worker started while RabbitMQ is unreachable waits for it (MassTransit keeps reconnecting) instead of failing its start and exiting.
        builder.Services.Configure<MassTransitHostOptions>(o => o.StartTimeout = null);
        builder.Services.AddOptions<DispatcherOptions>().BindConfiguration(DispatcherOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RunProgressOptions>().BindConfiguration(RunProgressOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RunLeaseOptions>().BindConfiguration(RunLeaseOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerIdentity>();
        builder.Services.AddSingleton<RunStatusStore>();
        builder.Services.AddScoped<RunClaimer>();
        builder.Services.AddScoped<SyncPlanning>();
        builder.Services.AddScoped<RunOutcomes>();
        builder.Services.AddScoped<SyncRunner>();
        // Registered after the bus, so it stops first: its runs hand themselves back to the queue before the bus goes.
        builder.Services.AddSingleton<RunSlots>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RunSlots>());
        builder.Services.AddScoped<ISourceReader, UploadReader>();
        builder.AddSources();
        builder.AddExport();
        builder.Services.AddHostedService<QueuedRunDispatcher>();
        builder.Services.AddOptions<ScheduleOptions>().BindConfiguration(ScheduleOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ScheduleService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScheduleService>());
        builder.Services.AddOptions<QueueDepthOptions>().BindConfiguration(QueueDepthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<QueueDepthSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QueueDepthSampler>());
        builder.AddWebhookDelivery();
        builder.AddEventRetention();
        return builder;
    }
}
