using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Domain.Events;
using RosterSync.ServiceDefaults;
using RosterSync.Worker.Runs;

namespace RosterSync.Worker.Webhooks;

/// <summary>A delivery this Worker leased, with what sending it needs.</summary>
/// <param name="Owner">The lease owner this claim wrote: one per claim, so a late answer of an earlier holder changes nothing.</param>
public sealed record LeasedDelivery(
    Guid Id, Guid SubscriptionId, Guid DistrictId, string MessageId, string Body, int Attempts, DateTimeOffset CreatedAt, string Url,
    IReadOnlyList<string> ProtectedSecrets, string Owner);

/// <summary>
/// Sends due deliveries (Standard Webhooks). A delivery is leased before it is sent; a Worker that dies while sending leaves the
/// lease to expire and another Worker takes the delivery over. Every outcome is written only while the claim still holds the
/// lease, so a delivery is sent to its one subscription only and never recorded as succeeded twice.
/// </summary>
public sealed class WebhookSender(
    NpgsqlDataSource dataSource, IHttpClientFactory httpClients, SecretProtector protector, IOptions<WebhookOptions> options,
    WorkerIdentity worker, TimeProvider clock, ILogger<WebhookSender> logger)
{
    public const string HttpClientName = "webhooks";
    private const int ClaimBatch = 16;

    /// <summary>Sends what is due; returns the attempts made.</summary>
    public async Task<int> SendDueAsync(CancellationToken ct)
    {
        var leased = await ClaimAsync(ClaimBatch, ct);
        await Task.WhenAll(leased.Select(d => SendAsync(d, ct)));
        return leased.Count;
    }

    /// <summary>Leases up to <paramref name="limit"/> due deliveries of enabled subscriptions, taking over expired leases.</summary>
    public async Task<IReadOnlyList<LeasedDelivery>> ClaimAsync(int limit, CancellationToken ct, string? owner = null)
    {
        owner ??= worker.NewClaim();
        await using var command = dataSource.CreateCommand("""
            UPDATE webhook_deliveries d SET lease_owner = $1, lease_expires_at = clock_timestamp() + $2,
                   takeovers = d.takeovers + CASE WHEN d.lease_expires_at IS NULL THEN 0 ELSE 1 END
            FROM webhook_subscriptions s
            WHERE s.id = d.subscription_id AND d.id IN (
                SELECT c.id FROM webhook_deliveries c JOIN webhook_subscriptions cs ON cs.id = c.subscription_id
                WHERE c.status = 'pending' AND c.next_attempt_at <= now() AND cs.enabled
                  AND (c.lease_expires_at IS NULL OR c.lease_expires_at < now())
                ORDER BY c.next_attempt_at LIMIT $3 FOR UPDATE OF c SKIP LOCKED)
            RETURNING d.id, d.subscription_id, d.district_id, d.message_id, d.body, d.attempts, d.created_at, s.url,
                      s.secret, CASE WHEN s.previous_secret_expires_at > now() THEN s.previous_secret END
            """);
        foreach (var value in new object[] { owner, options.Value.LeaseDuration, limit }) command.Parameters.Add(new NpgsqlParameter { Value = value });
        var leased = new List<LeasedDelivery>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            List<string> secrets = [reader.GetString(8)];
            if (!reader.IsDBNull(9)) secrets.Add(reader.GetString(9));
            leased.Add(new LeasedDelivery(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt32(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7), secrets, owner));
        }
        return leased;
    }

    public async Task SendAsync(LeasedDelivery delivery, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        int? status = null;
        string? error = null;
        TimeSpan? retryAfter = null;
        try
        {
            using var request = Request(delivery);
            using var http = httpClients.CreateClient(HttpClientName);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Value.Timeout);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
            retryAfter = DeliveryPolicy.RetryAfter(response.Headers.TryGetValues("Retry-After", out var values) ? values.FirstOrDefault() : null, clock.GetUtcNow());
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            error = $"No answer within {options.Value.Timeout.TotalSeconds:0} s.";
        }
        catch (HttpRequestException e)
        {
            error = $"The request failed: {e.HttpRequestError}.";
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        var attempt = delivery.Attempts + 1;
        var outcome = DeliveryPolicy.Decide(status, attempt, delivery.CreatedAt, clock.GetUtcNow(), retryAfter, options.Value.Schedule, Random.Shared.NextDouble());
        if (await RecordAsync(delivery, attempt, status, error, elapsed, outcome, CancellationToken.None))
        {
            WebhookMetrics.Attempted(outcome, status, elapsed);
            if (outcome.Status != DeliveryStatus.Pending || outcome.DisableSubscription)
                logger.LogInformation("Webhook delivery {DeliveryId} of webhook {WebhookId}: {Status} after {Attempts} attempts (last answer {StatusCode})",
                    delivery.Id, delivery.SubscriptionId, outcome.Status, attempt, status);
        }
        else
            logger.LogInformation("Webhook delivery {DeliveryId}: attempt not recorded, the lease passed to another Worker", delivery.Id);
    }

    private HttpRequestMessage Request(LeasedDelivery delivery)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var secrets = delivery.ProtectedSecrets.Select(s => protector.Unprotect(s)[WebhookSignature.StoredKey]);
        var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", delivery.MessageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(delivery.MessageId, timestamp, delivery.Body, secrets));
        return request;
    }

    /// <summary>Writes the attempt and its outcome while the claim still holds the lease; false when it no longer does.</summary>
    public async Task<bool> RecordAsync(
        LeasedDelivery delivery, int attempt, int? status, string? error, TimeSpan elapsed, DeliveryOutcome outcome, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var update = new NpgsqlCommand("""
            UPDATE webhook_deliveries SET attempts = $3, status = $4, next_attempt_at = coalesce($5, next_attempt_at),
                   finished_at = CASE WHEN $4 = 'pending' THEN NULL ELSE clock_timestamp() END,
                   last_status_code = $6, last_error = $7, lease_owner = NULL, lease_expires_at = NULL
            WHERE id = $1 AND lease_owner = $2 AND status = 'pending'
            """, connection))
        {
            foreach (var value in new object?[] { delivery.Id, delivery.Owner, attempt, outcome.Status, outcome.NextAttemptAt, status, error })
                update.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            update.Parameters[4].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz;
            update.Parameters[5].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer;
            update.Parameters[6].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
            if (await update.ExecuteNonQueryAsync(ct) != 1) return false;
        }
        await using (var log = new NpgsqlCommand("""
            INSERT INTO webhook_attempts (delivery_id, number, at, status_code, duration_ms, error) VALUES ($1, $2, clock_timestamp(), $3, $4, $5)
            """, connection))
        {
            foreach (var value in new object?[] { delivery.Id, attempt, status, (long)elapsed.TotalMilliseconds, error })
                log.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            log.Parameters[2].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer;
            log.Parameters[4].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
            await log.ExecuteNonQueryAsync(ct);
        }
        if (outcome.DisableSubscription)
        {
            await using var disable = new NpgsqlCommand("""
                UPDATE webhook_subscriptions SET enabled = false, updated_at = clock_timestamp(),
                       disabled_reason = 'The endpoint answered 410 Gone at ' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                WHERE id = $1
                """, connection);
            disable.Parameters.Add(new NpgsqlParameter { Value = delivery.SubscriptionId });
            await disable.ExecuteNonQueryAsync(ct);
            logger.LogWarning("Webhook {WebhookId} of district {DistrictId} disabled: its endpoint answered 410 Gone", delivery.SubscriptionId, delivery.DistrictId);
        }
        await tx.CommitAsync(ct);
        return true;
    }
}
