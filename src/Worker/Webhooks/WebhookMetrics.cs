using System.Diagnostics;
using System.Diagnostics.Metrics;
using RosterSync.Domain.Events;
using RosterSync.ServiceDefaults;

namespace RosterSync.Worker.Webhooks;

/// <summary>Webhook delivery instruments on the meter "RosterSync" (SPEC §10). Tags are codes only: never a URL or a district.</summary>
public static class WebhookMetrics
{
    private static readonly Meter Meter = new(Telemetry.Name);

    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>(
        "rostersync.webhook.deliveries", "{attempt}",
        "Webhook delivery attempts, by outcome (succeeded, retrying, failed, disabled: 410 Gone) and the receiver's status code (0: no answer)");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "rostersync.webhook.delivery.duration", "s", "Each webhook delivery attempt, by outcome");

    public static void Attempted(DeliveryOutcome outcome, int? statusCode, TimeSpan elapsed)
    {
        var result = outcome.DisableSubscription ? "disabled" : outcome.Status == DeliveryStatus.Pending ? "retrying" : outcome.Status;
        TagList tags = new() { { "outcome", result }, { "http.response.status_code", statusCode ?? 0 } };
        Attempts.Add(1, tags);
        Duration.Record(elapsed.TotalSeconds, tags);
    }
}
