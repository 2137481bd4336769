using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RosterSync.Domain.Events;
using RosterSync.Domain.Model;
using RosterSync.Worker.Events;

namespace RosterSync.Worker.Tests;

/// <summary>SPEC §9: events are kept for the retention (30 days by default), and what only the feed keeps is purged after it.</summary>
public class EventRetentionTests(WorkerFixture worker) : IClassFixture<WorkerFixture>
{
    [Fact]
    public async Task Retention_purges_finished_deliveries_and_run_events_past_it_keeps_the_journal_and_old_cursors_still_answer_410()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.PublishAsync(runId, district);
        Assert.Equal(RunStatus.Succeeded, (await worker.WaitForRunAsync(runId)).Status);
        await using (var db = worker.Database.CreateDbContext())
        {
            db.ManualChanges.Add(new ManualChange
            {
                DistrictId = district, Entity = Entities.Person, RecordId = Guid.CreateVersion7(), Action = ChangeActions.Updated,
                Field = "room", After = "B2", ChangedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var runChanges = await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1", runId);
        Assert.True(runChanges > 0);
        // The run's outcome (event 1) is 40 days old; the Api edit (event 2) is new.
        await worker.ScalarAsync("UPDATE run_events SET occurred_at = now() - interval '40 days' WHERE run_id = $1 RETURNING 1", runId);
        var hook = Guid.CreateVersion7();
        await worker.ScalarAsync("""
            INSERT INTO webhook_subscriptions (id, district_id, url, event_types, secret, enabled, feed_seq, feed_sub, created_at, updated_at)
            VALUES ($1, $2, 'https://hooks.example.com/x', '{}', 'protected', false, 2, 9223372036854775807, now(), now()) RETURNING 1
            """, hook, district);
        var oldSucceeded = await DeliveryAsync(hook, district, DeliveryStatus.Succeeded, "40 days");
        var oldFailed = await DeliveryAsync(hook, district, DeliveryStatus.Failed, "31 days");
        var recent = await DeliveryAsync(hook, district, DeliveryStatus.Succeeded, "29 days");
        var oldPending = await DeliveryAsync(hook, district, DeliveryStatus.Pending, null);

        var retention = worker.Host.Services.GetRequiredService<EventRetention>();
        Assert.Equal(new PurgeResult(Deliveries: 2, RunEvents: 1), await retention.PurgeAsync(CancellationToken.None));
        Assert.Equal(new PurgeResult(0, 0), await retention.PurgeAsync(CancellationToken.None));

        // Finished deliveries past the retention are gone with their attempt log; a recent or unfinished one stays.
        foreach (var gone in new[] { oldSucceeded, oldFailed })
        {
            Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM webhook_deliveries WHERE id = $1", gone));
            Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM webhook_attempts WHERE delivery_id = $1", gone));
        }
        foreach (var kept in new[] { recent, oldPending })
            Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM webhook_deliveries WHERE id = $1", kept));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM webhook_attempts WHERE delivery_id = $1", recent));
        // The run's outcome row is gone; the journal history and revert read stays, and so does the counter.
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM run_events WHERE run_id = $1", runId));
        Assert.Equal(runChanges, await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1", runId));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM manual_changes WHERE district_id = $1", district));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM sync_runs WHERE id = $1", runId));
        Assert.Equal(2, await worker.ScalarAsync("SELECT last_seq FROM event_sequences WHERE district_id = $1", district));
        Assert.Equal(1, await worker.ScalarAsync("SELECT expired_seq FROM event_sequences WHERE district_id = $1", district));

        // A cursor from before the purged event still answers 410 (null), though its row is gone; one after it reads on.
        await using var connection = await worker.Db.OpenConnectionAsync();
        var options = new EventFeedOptions();
        Assert.Null(await EventFeed.ReadAsync(connection, district, FeedPosition.Start, [], 10, options, DateTimeOffset.UtcNow, CancellationToken.None));
        var page = await EventFeed.ReadAsync(connection, district, new FeedPosition(1, FeedPosition.End), [], 10, options, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Equal(["person.updated"], page!.Events.Select(e => e.Type));
    }

    [Fact]
    public async Task A_pending_delivery_of_a_subscription_disabled_longer_than_the_retention_is_ended_failed_with_the_reason_not_kept_forever()
    {
        var district = await worker.CreateDistrictAsync();
        // Disabled (a 410) 31 days ago and untouched since; another disabled only yesterday; an enabled one.
        var longDisabled = await SubscriptionAsync(district, enabled: false, "31 days");
        var recentlyDisabled = await SubscriptionAsync(district, enabled: false, "1 day");
        var enabled = await SubscriptionAsync(district, enabled: true, "40 days");
        var stuck = await DeliveryAsync(longDisabled, district, DeliveryStatus.Pending, null);
        var waiting = await DeliveryAsync(recentlyDisabled, district, DeliveryStatus.Pending, null);
        var retrying = await DeliveryAsync(enabled, district, DeliveryStatus.Pending, null);

        var retention = worker.Host.Services.GetRequiredService<EventRetention>();
        var purged = await retention.PurgeAsync(CancellationToken.None);
        Assert.True(purged.Expired >= 1, purged.ToString());
        await using (var db = worker.Database.CreateDbContext())
        {
            var ended = await db.WebhookDeliveries.SingleAsync(d => d.Id == stuck);
            Assert.Equal((DeliveryStatus.Failed, EventRetention.ExpiredReason, null), (ended.Status, ended.LastError, ended.LeaseOwner));
            Assert.NotNull(ended.FinishedAt);
            // Ended now, it stays in the delivery log for one more retention (redeliverable), then the purge deletes it.
            Assert.Equal(DeliveryStatus.Pending, (await db.WebhookDeliveries.SingleAsync(d => d.Id == waiting)).Status);
            Assert.Equal(DeliveryStatus.Pending, (await db.WebhookDeliveries.SingleAsync(d => d.Id == retrying)).Status);
        }
        Assert.Equal(0, (await retention.PurgeAsync(CancellationToken.None)).Expired);
    }

    private async Task<Guid> SubscriptionAsync(Guid district, bool enabled, string updatedAgo)
    {
        var hook = Guid.CreateVersion7();
        await worker.ScalarAsync("""
            INSERT INTO webhook_subscriptions (id, district_id, url, event_types, secret, enabled, disabled_reason, feed_seq, feed_sub, created_at, updated_at)
            VALUES ($1, $2, 'https://hooks.example.com/x', '{}', 'protected', $3, CASE WHEN $3 THEN NULL ELSE 'the endpoint answered 410 Gone' END,
                    0, 9223372036854775807, now() - interval '60 days', now() - $4::interval) RETURNING 1
            """, hook, district, enabled, updatedAgo);
        return hook;
    }

    /// <summary>A delivery finished <paramref name="finishedAgo"/> (null: still pending, created 40 days ago), with one attempt.</summary>
    private async Task<Guid> DeliveryAsync(Guid hook, Guid district, string status, string? finishedAgo)
    {
        var id = Guid.CreateVersion7();
        await worker.ScalarAsync("""
            INSERT INTO webhook_deliveries (id, subscription_id, district_id, message_id, body, event_count, status, attempts, next_attempt_at, created_at,
                                            finished_at, takeovers)
            VALUES ($1, $2, $3, $4, '{}', 1, $5, 1, now(), now() - interval '40 days', now() - $6::interval, 0) RETURNING 1
            """, id, hook, district, WebhookSignature.NewMessageId(id), status, (object?)finishedAgo ?? DBNull.Value);
        await worker.ScalarAsync("""
            INSERT INTO webhook_attempts (delivery_id, number, at, status_code, duration_ms) VALUES ($1, 1, now() - interval '40 days', 500, 3) RETURNING 1
            """, id);
        return id;
    }
}
