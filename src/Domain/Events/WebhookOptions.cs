using System.ComponentModel.DataAnnotations;

namespace RosterSync.Domain.Events;

/// <summary>Webhook subscriptions and their delivery (docs/events.md); the Api reads the URL rule, the Worker all of it.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Allow loopback, private, link-local and other internal targets and plain http: off in production (a subscription must not
    /// reach into the operator's network); on for tests and local demos only.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>Events per delivery at most.</summary>
    [Range(1, 1000)] public int BatchSize { get; set; } = 100;

    /// <summary>How often the Worker looks for new events and due deliveries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")] public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Per attempt, the Standard Webhooks range is 15–30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")] public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A Worker's hold on a delivery it sends; longer than <see cref="Timeout"/>. An expired hold is taken over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// When each attempt is due, counted from the delivery's creation; after the last one fails, the delivery has failed. Unset:
    /// <see cref="StandardSchedule"/>. (Null by default: configuration binding appends to a list it finds filled.)
    /// </summary>
    public TimeSpan[]? RetrySchedule { get; set; }

    /// <summary>Standard Webhooks: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h.</summary>
    public static readonly IReadOnlyList<TimeSpan> StandardSchedule =
    [
        TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24),
    ];

    public IReadOnlyList<TimeSpan> Schedule => RetrySchedule is { Length: > 0 } schedule ? schedule : StandardSchedule;
}
