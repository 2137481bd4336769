using System.Net;
using System.Net.Sockets;
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
        // No redirects (a redirect could lead past the address check) and, unless allowed, public addresses only, checked on the
        // address actually connected to: a name that resolves inward is refused whatever it resolved to when subscribed.
        builder.Services.AddHttpClient(WebhookSender.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var allowPrivate = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateTargets;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = allowPrivate ? null : ConnectPublicAsync,
                };
            })
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
        return builder;
    }

    private static async ValueTask<Stream> ConnectPublicAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = (await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct)).Where(WebhookUrlRules.IsPublic).ToArray();
        if (addresses.Length == 0)
            throw new HttpRequestException(HttpRequestError.ConnectionError, "The webhook host resolves to no public address; refused.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
