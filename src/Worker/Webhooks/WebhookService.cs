using Microsoft.Extensions.Options;
using RosterSync.Domain.Events;

namespace RosterSync.Worker.Webhooks;

/// <summary>The Worker's webhook loop: new events into deliveries, then due deliveries out, every poll interval.</summary>
public sealed class WebhookService(WebhookOutbox outbox, WebhookSender sender, IOptions<WebhookOptions> options, ILogger<WebhookService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        do
        {
            try
            {
                await outbox.FillAsync(stoppingToken);
                while (await sender.SendDueAsync(stoppingToken) > 0 && !stoppingToken.IsCancellationRequested) { }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // PostgreSQL away, most likely (R29: the Worker waits it out); the next tick tries again.
                logger.LogWarning(e, "Webhook round failed; trying again in {Interval}", options.Value.PollInterval);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

public static class WebhookRegistration
{
    public static IHostApplicationBuilder AddWebhookDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EventFeedOptions>().BindConfiguration(EventFeedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WebhookOutbox>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddHostedService<WebhookService>();
        builder.Services.AddHttpClient(WebhookSender.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => PublicTargets.Handler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateTargets))
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
        return builder;
    }
}
