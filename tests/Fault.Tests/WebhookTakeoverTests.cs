using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using RosterSync.Domain.Events;
using RosterSync.Domain.Model;
using RosterSync.TestSupport;
using Xunit.Abstractions;

namespace RosterSync.Fault.Tests;

/// <summary>
/// SPEC §9 / issue 14: webhook delivery survives a Worker's crash. kill -9 of the Worker process while it waits for a receiver's
/// answer; another Worker takes the outbox row over once the lease expires. Receivers on 127.0.0.1 verify every request with the
/// reference StandardWebhooks library.
/// </summary>
public sealed class WebhookTakeoverTests(FaultCluster cluster, ITestOutputHelper output) : FaultScenario(cluster, output)
{
    private static readonly string[] FollowedTypes = ["person.*", "sync.run.*"];
    private const int Edits = 12;

    [Fact]
    public async Task Kill_9_of_the_Worker_sending_a_delivery_it_is_taken_over_succeeds_once_and_reaches_only_its_receiver()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var bystander = await WebhookReceiver.StartAsync();
        var district = await Cluster.CreateDistrictAsync("Webhook takeover");
        var hook = await Cluster.SubscribeAsync(district, receiver, FollowedTypes);
        var otherHook = await Cluster.SubscribeAsync(district, bystander, "sync.run.*");
        var hold = receiver.HoldNext();

        var (status, run) = await Cluster.ImportAsync(district);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(RunStatus.Succeeded, await Cluster.WaitForEndAsync(run, FaultCluster.RunEndBound));
        // The import's sync.run.succeeded is the first delivery; its request is held open, unanswered, by the receiver.
        var held = (await receiver.WaitAsync(r => r.Count > 0, seconds: 120))[0];
        Assert.Equal(WebhookReceiver.Unanswered, held.AnsweredWith);
        var sending = await DeliveryAsync(held.MessageId);
        var holder = Cluster.HolderOf(sending.LeaseOwner) ?? throw new Xunit.Sdk.XunitException(
            $"Delivery {sending.Id} is being sent but its lease names no live Worker of the suite ('{sending.LeaseOwner}')");
        // More events while the delivery hangs: the other Worker delivers them meanwhile.
        await EditPeopleAsync(district);

        Cluster.KillAndReplace(holder);
        var killedAt = DateTime.UtcNow;
        hold.SetResult();
        Output.WriteLine($"kill -9 of {holder.Name} (pid {holder.Id}) sending delivery {sending.Id} ({held.MessageId})");

        var deliveries = await WaitForAllDeliveredAsync(district, killedAt);
        var recovery = (DateTime.UtcNow - killedAt).TotalSeconds;
        var taken = Assert.Single(deliveries, d => d.Id == sending.Id);
        Assert.True(taken.Takeovers >= 1, $"delivery {taken.Id} was taken over {taken.Takeovers} times");

        // The delivery log: every delivery succeeded, each with exactly one successful attempt.
        foreach (var d in deliveries)
        {
            Assert.Equal(DeliveryStatus.Succeeded, d.Status);
            Assert.Equal(1, await Cluster.ScalarAsync(
                "SELECT count(*) FROM webhook_attempts WHERE delivery_id = $1 AND status_code BETWEEN 200 AND 299", d.Id));
        }

        // Each receiver got its own subscription's deliveries, and no other.
        var mine = deliveries.Where(d => d.SubscriptionId == hook).Select(d => d.MessageId).ToHashSet();
        var theirs = deliveries.Where(d => d.SubscriptionId == otherHook).Select(d => d.MessageId).ToHashSet();
        Assert.NotEmpty(theirs);
        Assert.All(receiver.Requests, r => Assert.Contains(r.MessageId, mine));
        Assert.All(bystander.Requests, r => Assert.Contains(r.MessageId, theirs));
        Assert.All(receiver.Requests.Concat(bystander.Requests), r => Assert.NotEqual(400, r.AnsweredWith));

        // Every event of the feed exactly once as success, after deduplicating on webhook-id (a repeat carries the same body).
        var succeeded = receiver.Requests.Where(r => r.AnsweredWith is >= 200 and < 300).ToList();
        foreach (var repeat in succeeded.GroupBy(r => r.MessageId)) Assert.Single(repeat.Select(r => r.Body).Distinct());
        Assert.Contains(succeeded, r => r.MessageId == held.MessageId && r.Body == held.Body);
        var received = succeeded.DistinctBy(r => r.MessageId).SelectMany(r => r.Events.EnumerateArray().Select(e => e.GetProperty("id").GetString()!)).ToList();
        var feed = await FeedIdsAsync(district);
        Assert.Equal(Edits + 1, feed.Count);
        var lost = feed.Except(received).Count();
        var extra = received.Count - received.Distinct().Count() + received.Except(feed).Count();
        Assert.Equal(0, lost);
        Assert.Equal(0, extra);
        Assert.Equal(feed.Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));

        Cluster.Table.Add(new FaultRow("kill -9 of the Worker sending a webhook delivery (lost/extra: events)", 1, 0, lost, extra, recovery,
            $"1 succeeded; {deliveries.Count} deliveries succeeded once each, takeovers {taken.Takeovers}, " +
            $"{receiver.Requests.Count(r => r.MessageId == held.MessageId)} requests of the taken-over message"));
        Output.WriteLine(Cluster.Table.Render());
        Assert.Empty(Cluster.ExitedOnTheirOwn());
    }

    private sealed record Delivery(Guid Id, Guid SubscriptionId, string MessageId, string Status, int Takeovers, string? LeaseOwner);

    private async Task<Delivery> DeliveryAsync(string messageId) =>
        (await DeliveriesAsync("message_id = $1", messageId)).Single();

    private async Task<List<Delivery>> DeliveriesAsync(string where, object value)
    {
        await using var command = Cluster.Db.CreateCommand(
            $"SELECT id, subscription_id, message_id, status, takeovers, lease_owner FROM webhook_deliveries WHERE {where} ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Delivery>();
        while (await reader.ReadAsync())
            rows.Add(new(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        return rows;
    }

    /// <summary>Api edits of people the import created: one person.updated event each.</summary>
    private async Task EditPeopleAsync(Guid district)
    {
        foreach (var id in await Cluster.PeopleAsync(district, Edits))
        {
            using var response = await Cluster.Http.PatchAsync(new Uri($"/api/v1/districts/{district}/people/{id}", UriKind.Relative),
                JsonContent.Create(new { room = "W14" }));
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Waits until both subscriptions have batched the whole feed and no delivery is pending.</summary>
    private async Task<List<Delivery>> WaitForAllDeliveredAsync(Guid district, DateTime killedAt)
    {
        await FaultCluster.WaitUntilAsync(async () =>
            await Cluster.ScalarAsync("""
                SELECT count(*) FROM webhook_subscriptions s JOIN event_sequences q ON q.district_id = s.district_id
                WHERE s.district_id = $1 AND s.feed_seq = q.last_seq
                """, district) == 2
            && await Cluster.ScalarAsync("SELECT count(*) FROM webhook_deliveries WHERE district_id = $1 AND status = 'pending'", district) == 0,
            FaultCluster.WebhookLeaseDuration * 5, $"every delivery to end (killed at {killedAt:HH:mm:ss})");
        return await DeliveriesAsync("district_id = $1", district);
    }

    /// <summary>The ids of the feed's events the receiver's subscription follows, read through the Api.</summary>
    private async Task<List<string>> FeedIdsAsync(Guid district)
    {
        var ids = new List<string>();
        string? cursor = null;
        while (true)
        {
            var page = await Cluster.Http.GetFromJsonAsync<JsonElement>(
                $"/api/v1/districts/{district}/events?types={string.Join(',', FollowedTypes)}{(cursor is null ? "" : $"&after={cursor}")}");
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            if (!page.GetProperty("hasMore").GetBoolean()) return ids;
        }
    }
}
