namespace RosterSync.Domain.Events;

/// <summary>A district's webhook endpoint (SPEC §9): where events of <see cref="EventTypes"/> are delivered, signed with its secret.</summary>
public sealed class WebhookSubscription
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public required string Url { get; set; }
    /// <summary>Event types or patterns (EventTypes.IsPattern); empty: every type.</summary>
    public List<string> EventTypes { get; set; } = [];
    /// <summary>The signing secret (<c>whsec_…</c>), encrypted with the Data Protection secret protector; shown once.</summary>
    public required string Secret { get; set; }
    /// <summary>The secret before the last rotation, still signing until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? PreviousSecret { get; set; }
    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }
    public bool Enabled { get; set; } = true;
    /// <summary>Why delivery stopped (the endpoint answered 410), until the subscription is enabled again.</summary>
    public string? DisabledReason { get; set; }
    /// <summary>How far the feed has been put into deliveries: events after this position are still to be batched.</summary>
    public long FeedSeq { get; set; }
    public long FeedSub { get; set; } = FeedPosition.End;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// One message to one subscription: a batch of events with a fixed body and <see cref="MessageId"/> (<c>webhook-id</c>, the
/// receiver's idempotency key), sent until it succeeds or its retries run out. This table is the outbox: a Worker leases a
/// row to send it, and a row whose lease expired is taken over by another.
/// </summary>
public sealed class WebhookDelivery
{
    public Guid Id { get; set; }
    public Guid SubscriptionId { get; set; }
    public Guid DistrictId { get; set; }
    public required string MessageId { get; set; }
    public required string Body { get; set; }
    public int EventCount { get; set; }
    public string Status { get; set; } = DeliveryStatus.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    /// <summary>The delivery this one sends again (the Api's redeliver): same message id and body.</summary>
    public Guid? RedeliveryOf { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>How often the delivery was taken over from a Worker whose lease expired.</summary>
    public int Takeovers { get; set; }
}

/// <summary>One HTTP attempt of a delivery: the delivery log.</summary>
public sealed class WebhookAttempt
{
    public long Id { get; set; }
    public Guid DeliveryId { get; set; }
    public int Number { get; set; }
    public DateTimeOffset At { get; set; }
    public int? StatusCode { get; set; }
    public long DurationMs { get; set; }
    public string? Error { get; set; }
}

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public static readonly string[] All = [Pending, Succeeded, Failed];
}
