using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Domain.Events;

namespace RosterSync.Worker.Webhooks;

/// <summary>The body of a delivery: a batch of feed events in the Standard Webhooks payload shape (type, timestamp, data).</summary>
public sealed record WebhookPayload(string Type, DateTimeOffset Timestamp, WebhookBatch Data)
{
    public const string EventsType = "roster.events";
}

/// <param name="NextCursor">The feed position after the batch's last event, for a receiver that also reads the feed.</param>
public sealed record WebhookBatch(Guid DistrictId, Guid WebhookId, IReadOnlyList<FeedEvent> Events, string NextCursor);

/// <summary>
/// Puts each subscription's new events into deliveries (the outbox): reads the feed after the subscription's position, filtered
/// by its event types, writes one delivery per batch and moves the position, in one transaction with the subscription row
/// locked, so two Workers never batch the same events.
/// </summary>
public sealed class WebhookOutbox(
    NpgsqlDataSource dataSource, IOptions<WebhookOptions> options, IOptions<EventFeedOptions> feedOptions, TimeProvider clock, ILogger<WebhookOutbox> logger)
{
    private const int BatchesPerRound = 20;

    /// <summary>Returns the deliveries written.</summary>
    public async Task<int> FillAsync(CancellationToken ct)
    {
        var behind = new List<Guid>();
        await using (var command = dataSource.CreateCommand("""
            SELECT s.id FROM webhook_subscriptions s JOIN event_sequences q ON q.district_id = s.district_id
            WHERE s.enabled AND (q.last_seq > s.feed_seq OR s.feed_sub <> $1)
            """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = FeedPosition.End });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) behind.Add(reader.GetGuid(0));
        }
        var written = 0;
        foreach (var id in behind)
            for (var round = 0; round < BatchesPerRound; round++)
            {
                var (delivered, more) = await FillOneAsync(id, ct);
                written += delivered;
                if (!more) break;
            }
        return written;
    }

    private async Task<(int Written, bool More)> FillOneAsync(Guid subscriptionId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        Guid districtId;
        string[] types;
        FeedPosition position;
        await using (var command = new NpgsqlCommand(
            "SELECT district_id, event_types, feed_seq, feed_sub FROM webhook_subscriptions WHERE id = $1 AND enabled FOR UPDATE SKIP LOCKED", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return (0, false);
            (districtId, types, position) = (reader.GetGuid(0), reader.GetFieldValue<string[]>(1), new FeedPosition(reader.GetInt64(2), reader.GetInt64(3)));
        }
        var now = clock.GetUtcNow();
        var page = await EventFeed.ReadAsync(connection, districtId, position, types, options.Value.BatchSize, feedOptions.Value, now, ct);
        var written = 0;
        FeedPosition next;
        if (page is null)
        {
            // Disabled for longer than the feed keeps events: what it missed is gone; it continues from the newest event.
            next = await EventFeed.HeadAsync(connection, districtId, ct);
            logger.LogWarning("Webhook {WebhookId}: events after its position passed the feed's retention; it continues from the newest event", subscriptionId);
        }
        else
        {
            next = page.Next;
            if (page.Events.Count > 0)
            {
                var id = Guid.CreateVersion7();
                var body = JsonSerializer.Serialize(
                    new WebhookPayload(WebhookPayload.EventsType, now, new WebhookBatch(districtId, subscriptionId, page.Events, next.ToCursor(districtId))),
                    JsonSerializerOptions.Web);
                await using var insert = new NpgsqlCommand("""
                    INSERT INTO webhook_deliveries (id, subscription_id, district_id, message_id, body, event_count, status, attempts, next_attempt_at, created_at, takeovers)
                    VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, 0)
                    """, connection);
                foreach (var value in new object[] { id, subscriptionId, districtId, WebhookSignature.NewMessageId(id), body, page.Events.Count, now })
                    insert.Parameters.Add(new NpgsqlParameter { Value = value });
                await insert.ExecuteNonQueryAsync(ct);
                written = 1;
            }
        }
        await using (var move = new NpgsqlCommand("UPDATE webhook_subscriptions SET feed_seq = $2, feed_sub = $3 WHERE id = $1", connection))
        {
            foreach (var value in new object[] { subscriptionId, next.Seq, next.Sub }) move.Parameters.Add(new NpgsqlParameter { Value = value });
            await move.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return (written, page?.HasMore ?? false);
    }
}
