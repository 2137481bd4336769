using System.ComponentModel.DataAnnotations;
using RosterSync.Api.Http;
using RosterSync.Domain.Events;

namespace RosterSync.Api.Webhooks;

/// <param name="EventTypes">Event types or patterns (<c>person.*</c>, <c>sync.run.*</c>); empty or absent: every type.</param>
public sealed record CreateWebhook([property: Required] string Url, IReadOnlyList<string>? EventTypes);

/// <summary>Members left out (or null) stay as they are. <c>enabled: true</c> resumes a subscription a 410 disabled.</summary>
public sealed record WebhookPatch(string? Url, IReadOnlyList<string>? EventTypes, bool? Enabled) : PatchBody;

/// <param name="DisabledReason">Why delivery stopped (the endpoint answered 410 Gone); null while enabled.</param>
public sealed record WebhookDto(
    Guid Id, string Url, IReadOnlyList<string> EventTypes, bool Enabled, string? DisabledReason,
    DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static WebhookDto From(WebhookSubscription s) =>
        new(s.Id, s.Url, s.EventTypes, s.Enabled, s.DisabledReason, s.PreviousSecretExpiresAt, s.CreatedAt, s.UpdatedAt);
}

/// <summary>The one answer that shows a signing secret (creation, rotation); it is stored encrypted and never shown again.</summary>
public sealed record WebhookWithSecret(WebhookDto Webhook, string Secret);

/// <param name="MessageId">The <c>webhook-id</c> header: the same on every attempt and on a redelivery, the receiver's idempotency key.</param>
/// <param name="Attempts">Present on a single delivery's read.</param>
public sealed record DeliveryDto(
    Guid Id, string MessageId, string Status, int EventCount, int AttemptCount, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt,
    DateTimeOffset? FinishedAt, int? LastStatusCode, string? LastError, Guid? RedeliveryOf, IReadOnlyList<AttemptDto>? Attempts);

/// <param name="StatusCode">The receiver's answer; null when none came (timeout, refused connection: see error).</param>
public sealed record AttemptDto(int Number, DateTimeOffset At, int? StatusCode, long DurationMs, string? Error);
