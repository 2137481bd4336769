using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace RosterSync.Domain.Events;

/// <summary>Standard Webhooks signing: secrets, message ids and the <c>webhook-signature</c> header.</summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    /// <summary>The secret's name inside its protected (encrypted) form.</summary>
    public const string StoredKey = "secret";
    private const int SecretBytes = 32;

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    public static string NewMessageId(Guid deliveryId) => "msg_" + deliveryId.ToString("N");

    /// <summary>
    /// <c>v1,&lt;base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"&gt;</c> for each secret, space-separated: during a rotation both the
    /// new and the old secret sign, so a receiver holding either verifies.
    /// </summary>
    public static string Sign(string messageId, long timestamp, string body, IEnumerable<string> secrets)
    {
        var content = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}");
        return string.Join(' ', secrets.Select(secret => "v1," + Convert.ToBase64String(HMACSHA256.HashData(KeyOf(secret), content))));
    }

    private static byte[] KeyOf(string secret) =>
        Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
}

/// <summary>What happens to a delivery after an attempt (Standard Webhooks).</summary>
/// <param name="NextAttemptAt">When to try again; null when the delivery is finished.</param>
public sealed record DeliveryOutcome(string Status, DateTimeOffset? NextAttemptAt, bool DisableSubscription);

public static class DeliveryPolicy
{
    /// <summary>
    /// Only 2xx succeeds. 410 Gone fails the delivery and disables the subscription. Anything else (other statuses, timeouts,
    /// refused connections: <paramref name="statusCode"/> null) is tried again at the schedule's next time, counted from the
    /// delivery's creation, with up to 10 % of the gap as jitter so retries of many deliveries spread, and never before a
    /// Retry-After the receiver sent. After the schedule's last attempt the delivery has failed.
    /// </summary>
    /// <param name="attemptsMade">Attempts so far, this one included.</param>
    /// <param name="jitter">A number in [0, 1).</param>
    public static DeliveryOutcome Decide(
        int? statusCode, int attemptsMade, DateTimeOffset createdAt, DateTimeOffset now, TimeSpan? retryAfter, IReadOnlyList<TimeSpan> schedule, double jitter)
    {
        if (statusCode is >= 200 and < 300) return new(DeliveryStatus.Succeeded, null, false);
        if (statusCode == (int)HttpStatusCode.Gone) return new(DeliveryStatus.Failed, null, true);
        if (attemptsMade >= schedule.Count) return new(DeliveryStatus.Failed, null, false);
        var gap = schedule[attemptsMade] - schedule[attemptsMade - 1];
        var next = createdAt + schedule[attemptsMade] + gap * 0.1 * jitter;
        if (next < now) next = now;
        if (retryAfter is { } wait && now + wait > next) next = now + wait;
        return new(DeliveryStatus.Pending, next, false);
    }

    /// <summary>Retry-After as seconds or as an HTTP date; null when absent or unreadable.</summary>
    public static TimeSpan? RetryAfter(string? header, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        if (int.TryParse(header, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(seconds);
        return DateTimeOffset.TryParse(header, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? (at > now ? at - now : TimeSpan.Zero) : null;
    }
}
