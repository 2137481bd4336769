using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Domain.Events;

namespace RosterSync.Worker.Events;

/// <summary>What one purge removed, and how many pending deliveries of long-disabled subscriptions it ended as expired.</summary>
public sealed record PurgeResult(long Deliveries, long RunEvents, long Expired = 0);

/// <summary>
/// Enforces the feed's retention (SPEC §9, docs/events.md): deletes what only the feed and webhooks keep once it is older than
/// <see cref="EventFeedOptions.Retention"/> — finished webhook deliveries (their attempts go with them) and run outcome rows
/// (run_events). The change journal (run_changes, manual_changes) stays: history and revert read it. The per-district counter
/// (event_sequences) stays too: it numbers the next event, and its <c>expired_seq</c> keeps answering 410 for what was purged.
/// A pending delivery of a subscription disabled (and untouched) for longer than the retention is ended <c>failed</c> with
/// <see cref="ExpiredReason"/>: its events are past what the feed serves, so it would otherwise wait in the outbox forever.
/// </summary>
public sealed class EventRetention(NpgsqlDataSource dataSource, IOptions<EventFeedOptions> options, TimeProvider clock)
{
    /// <summary>Rows per statement: a purge that has fallen behind deletes in short transactions, not one long one.</summary>
    private const int Batch = 1_000;

    public const string ExpiredReason = "expired: the subscription was disabled for longer than the events' retention; redeliver it after enabling the subscription if it is still wanted";

    public async Task<PurgeResult> PurgeAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - options.Value.Retention;
        // updated_at moves on every change of a subscription (a 410 disabling it included), so an old one means disabled since
        // before the cutoff. Ended now, the delivery stays in the log (and redeliverable) for one more retention.
        var expired = await RepeatAsync($"""
            WITH ended AS (
                UPDATE webhook_deliveries SET status = '{DeliveryStatus.Failed}', finished_at = $2, last_error = $3,
                                              lease_owner = NULL, lease_expires_at = NULL
                WHERE id IN (
                    SELECT d.id FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
                    WHERE d.status = '{DeliveryStatus.Pending}' AND NOT s.enabled AND s.updated_at < $1 LIMIT {Batch})
                RETURNING 1)
            SELECT count(*) FROM ended
            """, ct, cutoff, clock.GetUtcNow(), ExpiredReason);
        var deliveries = await RepeatAsync($"""
            WITH purged AS (
                DELETE FROM webhook_deliveries WHERE id IN (
                    SELECT id FROM webhook_deliveries WHERE status <> '{DeliveryStatus.Pending}' AND finished_at < $1 LIMIT {Batch})
                RETURNING 1)
            SELECT count(*) FROM purged
            """, ct, cutoff);
        // The watermark moves in the statement that deletes, so a cursor never sees the rows gone before expired_seq covers them.
        var runEvents = await RepeatAsync($"""
            WITH purged AS (
                DELETE FROM run_events WHERE (district_id, seq) IN (
                    SELECT district_id, seq FROM run_events WHERE occurred_at < $1 LIMIT {Batch})
                RETURNING district_id, seq),
            marked AS (
                UPDATE event_sequences s SET expired_seq = greatest(s.expired_seq, p.seq)
                FROM (SELECT district_id, max(seq) AS seq FROM purged GROUP BY district_id) p WHERE s.district_id = p.district_id)
            SELECT count(*) FROM purged
            """, ct, cutoff);
        return new PurgeResult(deliveries, runEvents, expired);
    }

    /// <summary>Runs a delete of at most <see cref="Batch"/> rows that selects its count, until it deletes fewer.</summary>
    private async Task<long> RepeatAsync(string sql, CancellationToken ct, params object[] values)
    {
        long total = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand(sql);
            foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
            var removed = (long)(await command.ExecuteScalarAsync(ct))!;
            total += removed;
            if (removed < Batch) return total;
        }
    }
}

/// <summary>Runs <see cref="EventRetention"/> every <see cref="EventFeedOptions.PurgeInterval"/>; any Worker may, deleting twice is harmless.</summary>
public sealed class EventRetentionService(EventRetention retention, IOptions<EventFeedOptions> options, ILogger<EventRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeInterval);
        do
        {
            try
            {
                var purged = await retention.PurgeAsync(stoppingToken);
                if (purged.Deliveries + purged.RunEvents + purged.Expired > 0)
                    logger.LogInformation("Purged past the events' retention: {Deliveries} webhook deliveries, {RunEvents} run events; {Expired} pending deliveries of long-disabled subscriptions expired",
                        purged.Deliveries, purged.RunEvents, purged.Expired);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // PostgreSQL away, most likely (R29: the Worker waits it out); the next tick tries again.
                logger.LogWarning(e, "Purging past the events' retention failed; trying again in {Interval}", options.Value.PurgeInterval);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

public static class EventRetentionRegistration
{
    /// <summary>The purge; its options (EventFeedOptions) are bound with the webhook delivery's (AddWebhookDelivery).</summary>
    public static IHostApplicationBuilder AddEventRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EventRetention>();
        builder.Services.AddHostedService<EventRetentionService>();
        return builder;
    }
}
