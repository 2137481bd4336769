extern alias worker;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RosterSync.Domain;
using RosterSync.Domain.Events;
using Microsoft.Extensions.Configuration;
using RosterSync.ServiceDefaults;
using RosterSync.TestSupport;
using WebhookRegistration = worker::RosterSync.Worker.Webhooks.WebhookRegistration;
using WebhookSender = worker::RosterSync.Worker.Webhooks.WebhookSender;
using LeasedDelivery = worker::RosterSync.Worker.Webhooks.LeasedDelivery;

namespace RosterSync.Api.Tests;

/// <summary>
/// SPEC §9 webhooks against receivers on 127.0.0.1 that verify every request with the reference StandardWebhooks library.
/// </summary>
public sealed class WebhookTests(EventFeedTests.Factory api) : WithWorker, IClassFixture<EventFeedTests.Factory>
{
    protected override ApiFactory Api => api;

    private static async Task<(Guid Id, string Secret)> SubscribeAsync(TestDistrict district, WebhookReceiver receiver, params string[] types)
    {
        var response = await district.Client.PostAsJsonAsync(district.Path + "/webhooks", new { url = receiver.Url, eventTypes = types });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync();
        var secret = created.Str("secret")!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        receiver.Secrets["first"] = secret;
        var id = created.GetProperty("webhook").Id();
        Assert.Equal($"{district.Path}/webhooks/{id}", response.Headers.Location?.ToString());
        return (id, secret);
    }

    [Fact]
    public async Task Deliveries_carry_the_feed_in_order_to_each_subscriber_signed_per_Standard_Webhooks()
    {
        await using var people = await WebhookReceiver.StartAsync();
        await using var runs = await WebhookReceiver.StartAsync();
        var district = await api.NewDistrictAsync(EventWalk.AllScopes);
        var (peopleHook, _) = await SubscribeAsync(district, people, "person.*");
        await SubscribeAsync(district, runs, "sync.run.*");

        var run = await EventWalk.ImportAsync(district, EventWalk.DemoBundle());
        var student = await api.PersonAsync(district.Id, "hook.student@lincoln.k12.example");
        (await district.Client.PatchJsonAsync($"{district.Path}/people/{student.Id}", new { room = "D4" })).EnsureSuccessStatusCode();

        var delivered = await people.WaitAsync(r => r.SelectMany(x => x.Events.EnumerateArray()).Any(e => e.Str("type") == "person.updated"));
        var runDelivered = await runs.WaitAsync(r => r.Count > 0);
        Assert.All(delivered.Concat(runDelivered), r => Assert.Equal(new[] { "first" }, r.VerifiedWith));
        Assert.All(delivered.Concat(runDelivered), r => Assert.StartsWith("v1,", r.Signature, StringComparison.Ordinal));

        // Each receiver got exactly its part of the feed, each event once, each delivery's events in feed order.
        var (feed, _) = await EventWalk.ReadFeedAsync(district);
        var expected = feed.Where(e => e.Str("type")!.StartsWith("person.", StringComparison.Ordinal)).Select(e => e.Str("id")!).ToList();
        Assert.Equal(expected.Order(), delivered.SelectMany(r => r.Events.EnumerateArray()).Select(e => e.Str("id")!).Order());
        Assert.All(delivered, r =>
        {
            var positions = r.Events.EnumerateArray().Select(e => expected.IndexOf(e.Str("id")!)).ToList();
            Assert.Equal(positions.Order(), positions);
        });
        Assert.Equal(run.Id(), Assert.Single(runDelivered.SelectMany(r => r.Events.EnumerateArray())).GetProperty("runId").GetGuid());
        Assert.Empty(delivered.Select(r => r.MessageId).Intersect(runDelivered.Select(r => r.MessageId)));
        Assert.Equal(delivered.Count, delivered.Select(r => r.MessageId).Distinct().Count());

        var log = await (await district.Client.GetAsync($"{district.Path}/webhooks/{peopleHook}/deliveries")).ReadAsync();
        Assert.Equal(delivered.Count, log.Items().Count);
        Assert.All(log.Items(), d =>
        {
            Assert.Equal("succeeded", d.Str("status"));
            Assert.Equal(1, d.GetProperty("attemptCount").GetInt32());
        });
    }

    [Fact]
    public async Task A_rotated_secret_and_the_old_one_both_sign_during_the_overlap()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var district = await api.NewDistrictAsync(EventWalk.AllScopes);
        var (hook, oldSecret) = await SubscribeAsync(district, receiver);
        var rotated = await (await district.Client.PostAsync($"{district.Path}/webhooks/{hook}/rotate-secret", null)).ReadAsync();
        var newSecret = rotated.Str("secret")!;
        Assert.NotEqual(oldSecret, newSecret);
        Assert.True(rotated.GetProperty("webhook").GetProperty("previousSecretExpiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(23));
        receiver.Secrets["new"] = newSecret;

        var person = await api.PersonAsync(district.Id, "rotation@lincoln.k12.example");
        (await district.Client.PatchJsonAsync($"{district.Path}/people/{person.Id}", new { room = "E5" })).EnsureSuccessStatusCode();
        var received = Assert.Single(await receiver.WaitAsync(r => r.Count > 0));
        Assert.Equal(new[] { "first", "new" }, received.VerifiedWith.Order());
        Assert.Equal(2, received.Signature.Split(' ').Length);

        // The secret is never shown again and is stored encrypted.
        var read = await (await district.Client.GetAsync($"{district.Path}/webhooks/{hook}")).ReadAsync();
        Assert.False(read.TryGetProperty("secret", out _));
        await using var db = api.Db();
        var stored = await db.WebhookSubscriptions.SingleAsync(s => s.Id == hook);
        Assert.DoesNotContain(newSecret[6..], stored.Secret, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_answering_500_then_429_with_Retry_After_then_410_disables_the_subscription_until_enabled_again()
    {
        using var metrics = new MeasurementRecorder(Telemetry.Name);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answers((500, null), (429, "2"), (410, null));
        var district = await api.NewDistrictAsync(EventWalk.AllScopes);
        var (hook, _) = await SubscribeAsync(district, receiver, "person.updated");
        var person = await api.PersonAsync(district.Id, "gone@lincoln.k12.example");
        (await district.Client.PatchJsonAsync($"{district.Path}/people/{person.Id}", new { room = "F6" })).EnsureSuccessStatusCode();

        var requests = await receiver.WaitAsync(r => r.Count >= 3);
        Assert.Equal(new[] { 500, 429, 410 }, requests.Select(r => r.AnsweredWith));
        Assert.Single(requests.Select(r => r.MessageId).Distinct());
        // The schedule's next attempt was 0.5 s later; Retry-After asked for 2 s, and was honoured.
        Assert.True(requests[2].At - requests[1].At >= TimeSpan.FromSeconds(1.9), $"retried after {requests[2].At - requests[1].At}");

        var subscription = await WaitForAsync(district, hook, s => !s.GetProperty("enabled").GetBoolean());
        // Only this test's receiver answers 500, 429 and 410: these measurements are its attempts.
        var attempts = (await metrics.WaitForAsync(m => m.Tag("outcome") == "disabled"))
            .Where(m => m.Instrument == "rostersync.webhook.deliveries" && m.Tag("http.response.status_code") is "500" or "429" or "410").ToList();
        Assert.Equal(new[] { "retrying/500", "retrying/429", "disabled/410" }, attempts.Select(m => $"{m.Tag("outcome")}/{m.Tag("http.response.status_code")}"));
        Assert.Contains("410", subscription.Str("disabledReason"), StringComparison.Ordinal);
        var delivery = Assert.Single((await (await district.Client.GetAsync($"{district.Path}/webhooks/{hook}/deliveries")).ReadAsync()).Items());
        Assert.Equal("failed", delivery.Str("status"));
        Assert.Equal(410, delivery.GetProperty("lastStatusCode").GetInt32());
        var detail = await (await district.Client.GetAsync($"{district.Path}/webhooks/{hook}/deliveries/{delivery.Id()}")).ReadAsync();
        Assert.Equal(new[] { 500, 429, 410 }, detail.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()));

        // Events while disabled wait; enabled again, they arrive. A redelivery sends the failed one again under its webhook-id.
        (await district.Client.PatchJsonAsync($"{district.Path}/people/{person.Id}", new { room = "G7" })).EnsureSuccessStatusCode();
        (await district.Client.PatchJsonAsync($"{district.Path}/webhooks/{hook}", new { enabled = true })).EnsureSuccessStatusCode();
        var resumed = await receiver.WaitAsync(r => r.Count >= 4);
        Assert.Equal("G7", EventWalk.Fields(resumed[3].Events[0])["room"].After);
        var again = await district.Client.PostAsync($"{district.Path}/webhooks/{hook}/deliveries/{delivery.Id()}/redeliver", null);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var redelivered = await receiver.WaitAsync(r => r.Count >= 5);
        Assert.Equal(requests[0].MessageId, redelivered[4].MessageId);
        Assert.Equal(requests[0].Body, redelivered[4].Body);
    }

    [Fact]
    public async Task A_delivery_leased_by_a_Worker_that_died_is_taken_over_sent_once_and_its_late_success_is_not_recorded()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var district = await api.NewDistrictAsync(EventWalk.AllScopes);
        var (hook, _) = await SubscribeAsync(district, receiver);
        var id = Guid.CreateVersion7();
        var body = JsonSerializer.Serialize(new { type = "roster.events", data = new { events = Array.Empty<object>() } });
        await using (var db = api.Db())
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO webhook_deliveries (id, subscription_id, district_id, message_id, body, event_count, status, attempts, next_attempt_at, created_at,
                                                lease_owner, lease_expires_at, takeovers)
                VALUES ({id}, {hook}, {district.Id}, {WebhookSignature.NewMessageId(id)}, {body}, 0, 'pending', 0, now(), now(),
                        'dead-worker#1', now() + interval '1 second', 0)
                """);

        var received = Assert.Single(await receiver.WaitAsync(r => r.Count > 0));
        Assert.Equal(WebhookSignature.NewMessageId(id), received.MessageId);
        var delivery = await WaitForDeliveryAsync(id, d => d.Status == DeliveryStatus.Succeeded);
        Assert.Equal(1, delivery.Takeovers);
        Assert.Equal(1, delivery.Attempts);

        // The dead Worker comes back with the answer it got before it stalled: nothing of it is written.
        var sender = Worker.Services.GetRequiredService<WebhookSender>();
        var late = new LeasedDelivery(id, hook, district.Id, received.MessageId, body, 0, delivery.CreatedAt, receiver.Url, [], "dead-worker#1");
        Assert.False(await sender.RecordAsync(late, 1, 200, null, TimeSpan.Zero, new DeliveryOutcome(DeliveryStatus.Succeeded, null, false), CancellationToken.None));
        await using var check = api.Db();
        Assert.Equal(1, await check.WebhookAttempts.CountAsync(a => a.DeliveryId == id));
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task Private_and_loopback_urls_are_refused_unless_the_operator_allows_them()
    {
        Assert.NotNull(TargetUrlRules.Check("https://127.0.0.1/hook", allowPrivateTargets: false));
        Assert.NotNull(TargetUrlRules.Check("https://10.1.2.3/hook", allowPrivateTargets: false));
        Assert.NotNull(TargetUrlRules.Check("https://[::1]/hook", allowPrivateTargets: false));
        Assert.NotNull(TargetUrlRules.Check("https://localhost/hook", allowPrivateTargets: false));
        Assert.NotNull(TargetUrlRules.Check("http://hooks.example.com/x", allowPrivateTargets: false));
        Assert.Null(TargetUrlRules.Check("https://hooks.example.com/x", allowPrivateTargets: false));
        Assert.Null(TargetUrlRules.Check("http://127.0.0.1:5000/hook", allowPrivateTargets: true));

        var district = await api.NewDistrictAsync(EventWalk.AllScopes);
        var problem = await Problem.AssertAsync(await district.Client.PostAsJsonAsync(district.Path + "/webhooks", new { url = "ftp://example.com/x" }),
            HttpStatusCode.BadRequest, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _));
        await Problem.AssertAsync(await district.Client.PostAsJsonAsync(district.Path + "/webhooks", new { url = "https://example.com/x", eventTypes = new[] { "person.deleted" } }),
            HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task The_Workers_connection_refuses_a_loopback_target_unless_the_operator_allows_private_targets()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        HttpClient Client(bool allow)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection([new("Webhooks:AllowPrivateTargets", allow ? "true" : "false")]);
            WebhookRegistration.AddWebhookDelivery(builder);
            return builder.Services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient(WebhookSender.HttpClientName);
        }
        // The subscription's URL check can be passed by a public name that resolves inward; the check at connect time cannot.
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => Client(allow: false).PostAsync(receiver.Url, new StringContent("{}")));
        Assert.Contains("no public address", refused.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
        Assert.Equal(HttpStatusCode.BadRequest, (await Client(allow: true).PostAsync(receiver.Url, new StringContent("{}"))).StatusCode);
    }

    private static async Task<JsonElement> WaitForAsync(TestDistrict district, Guid hook, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var read = await (await district.Client.GetAsync($"{district.Path}/webhooks/{hook}")).ReadAsync();
            if (done(read)) return read;
            Assert.True(DateTime.UtcNow < deadline, "The subscription did not reach the state the test waited for");
            await Task.Delay(100);
        }
    }

    private async Task<WebhookDelivery> WaitForDeliveryAsync(Guid id, Func<WebhookDelivery, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var db = api.Db();
            var delivery = await db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.Id == id);
            if (done(delivery)) return delivery;
            Assert.True(DateTime.UtcNow < deadline, $"Delivery {id} is {delivery.Status}");
            await Task.Delay(100);
        }
    }
}
