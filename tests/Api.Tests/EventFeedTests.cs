using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace RosterSync.Api.Tests;

/// <summary>A district followed through its feed and webhooks, with a real Worker applying real uploads (SPEC §9).</summary>
public static class EventWalk
{
    public static readonly string[] AllScopes = ["roster:read", "roster:write", "sync:run", "settings:write", "events:read"];

    public static IEnumerable<KeyValuePair<string, string?>> WorkerSettings =>
    [
        new("Webhooks:AllowPrivateTargets", "true"),
        new("Webhooks:PollInterval", "00:00:00.100"),
        new("Webhooks:LeaseDuration", "00:00:02"),
        // The Standard Webhooks schedule, in half seconds: a test waits seconds, not hours.
        new("Webhooks:RetrySchedule:0", "00:00:00"), new("Webhooks:RetrySchedule:1", "00:00:00.500"), new("Webhooks:RetrySchedule:2", "00:00:01"),
        new("Webhooks:RetrySchedule:3", "00:00:01.500"), new("Webhooks:RetrySchedule:4", "00:00:02"),
    ];

    public static Task<IHost> StartWorkerAsync(ApiFactory api) =>
        InProcessWorker.StartAsync(api, b => b.Configuration.AddInMemoryCollection(WorkerSettings));

    public static byte[] DemoBundle() => File.ReadAllBytes(Path.Combine(InProcessWorker.RepositoryRoot(), "samples", "demo-district", "demo-district.zip"));

    /// <summary>Uploads a bundle and waits for its run to end; approves it once if it stops for approval.</summary>
    public static async Task<JsonElement> ImportAsync(TestDistrict district, byte[] bundle)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bundle);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(file, "file", "roster.zip");
        var run = await (await district.Client.PostAsync(district.Path + "/imports", form)).ReadAsync();
        return await WaitForRunAsync(district, run.Id());
    }

    public static async Task<JsonElement> WaitForRunAsync(TestDistrict district, Guid runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var run = await (await district.Client.GetAsync($"{district.Path}/sync-runs/{runId}")).ReadAsync();
            var status = run.Str("status");
            if (status == "awaiting-approval")
                (await district.Client.PostAsync($"{district.Path}/sync-runs/{runId}/approve", null)).EnsureSuccessStatusCode();
            else if (status is "succeeded" or "failed" or "cancelled")
                return run;
            Assert.True(DateTime.UtcNow < deadline, $"Run {runId} still {status}");
            await Task.Delay(200);
        }
    }

    /// <summary>Every event after <paramref name="after"/>, page by page; returns them and the cursor to continue from.</summary>
    public static async Task<(List<JsonElement> Events, string Cursor)> ReadFeedAsync(TestDistrict district, string? after = null, string? types = null, int? limit = null)
    {
        var events = new List<JsonElement>();
        var cursor = after;
        while (true)
        {
            var query = new List<string>();
            if (cursor is not null) query.Add("after=" + Uri.EscapeDataString(cursor));
            if (types is not null) query.Add("types=" + Uri.EscapeDataString(types));
            if (limit is not null) query.Add("limit=" + limit);
            var page = await (await district.Client.GetAsync($"{district.Path}/events?{string.Join('&', query)}")).ReadAsync();
            events.AddRange(page.Items());
            cursor = page.Str("nextCursor");
            if (!page.GetProperty("hasMore").GetBoolean()) return (events, cursor!);
        }
    }

    public static Dictionary<string, (string? Before, string? After)> Fields(JsonElement e) =>
        e.GetProperty("changes").EnumerateArray().ToDictionary(c => c.Str("field")!, c => (c.Str("before"), c.Str("after")));
}

/// <summary>A test class with a Worker host (EventWalk.WorkerSettings) over its factory's database and vhost, for the class's lifetime.</summary>
public abstract class WithWorker : IAsyncLifetime
{
    protected IHost Worker { get; private set; } = null!;

    protected abstract ApiFactory Api { get; }

    public async Task InitializeAsync() => Worker = await EventWalk.StartWorkerAsync(Api);

    public async Task DisposeAsync()
    {
        await Worker.StopAsync();
        Worker.Dispose();
    }
}

public sealed class EventFeedTests(EventFeedTests.Factory api) : WithWorker, IClassFixture<EventFeedTests.Factory>
{
    protected override ApiFactory Api => api;

    public sealed class Factory : ApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Webhooks:AllowPrivateTargets", "true")];
    }

    [Fact]
    public async Task Feed_lists_a_sync_then_Api_edits_then_a_revert_in_commit_order_with_record_fields_rules_and_causes()
    {
        var district = await api.NewDistrictAsync(EventWalk.AllScopes);
        var run = await EventWalk.ImportAsync(district, EventWalk.DemoBundle());
        Assert.Equal("succeeded", run.Str("status"));

        var (synced, afterSync) = await EventWalk.ReadFeedAsync(district);
        var last = synced[^1];
        Assert.Equal("sync.run.succeeded", last.Str("type"));
        Assert.Equal(run.Id(), last.GetProperty("run").Id());
        Assert.False(last.GetProperty("run").GetProperty("rereadRoster").GetBoolean());
        var peopleCreated = synced.Where(e => e.Str("type") == "person.created").ToList();
        Assert.Equal(run.GetProperty("counts").GetProperty("people").GetProperty("created").GetInt64(), peopleCreated.Count);
        Assert.Equal(run.GetProperty("counts").GetProperty("enrollments").GetProperty("created").GetInt64(), synced.Count(e => e.Str("type") == "enrollment.created"));
        Assert.All(synced[..^1], e =>
        {
            Assert.Equal(run.Id(), e.GetProperty("runId").GetGuid());
            Assert.Equal(JsonValueKind.Null, e.GetProperty("apiKeyId").ValueKind);
            Assert.NotEqual(Guid.Empty, e.GetProperty("recordId").GetGuid());
        });
        Assert.All(peopleCreated, e => Assert.False(string.IsNullOrEmpty(e.Str("sourceId"))));
        // One run's events share its sequence number and come in journal order; ids are positions, all distinct.
        Assert.Single(synced.Select(e => e.GetProperty("sequence").GetInt64()).Distinct());
        Assert.Equal(synced.Count, synced.Select(e => e.Str("id")).Distinct().Count());

        var student = peopleCreated[0].GetProperty("recordId").GetGuid();
        (await district.Client.PatchJsonAsync($"{district.Path}/people/{student}", new { room = "B12", language = "es" })).EnsureSuccessStatusCode();
        (await district.Client.PostAsJsonAsync($"{district.Path}/people", new { email = "new.teacher@lincoln.k12.example", givenName = "Nia", familyName = "Ode", roles = new[] { "teacher" } }))
            .EnsureSuccessStatusCode();
        var (edits, afterEdits) = await EventWalk.ReadFeedAsync(district, afterSync);
        Assert.Equal(new[] { "person.updated", "person.created" }, edits.Select(e => e.Str("type")));
        var edit = edits[0];
        Assert.Equal(student, edit.GetProperty("recordId").GetGuid());
        Assert.Equal(JsonValueKind.Null, edit.GetProperty("runId").ValueKind);
        Assert.NotEqual(Guid.Empty, edit.GetProperty("apiKeyId").GetGuid());
        var fields = EventWalk.Fields(edit);
        Assert.Equal((null, "B12"), fields["room"]);
        Assert.Equal((null, "es"), fields["language"]);
        Assert.True(edits[1].GetProperty("sequence").GetInt64() > edit.GetProperty("sequence").GetInt64());
        Assert.True(edit.GetProperty("sequence").GetInt64() > last.GetProperty("sequence").GetInt64());

        var revert = await (await district.Client.PostAsync($"{district.Path}/sync-runs/{run.Id()}/revert", null)).ReadAsync();
        Assert.Equal("succeeded", (await EventWalk.WaitForRunAsync(district, revert.Id())).Str("status"));
        var (reverted, _) = await EventWalk.ReadFeedAsync(district, afterEdits);
        var outcome = reverted[^1];
        Assert.Equal("sync.run.succeeded", outcome.Str("type"));
        Assert.Equal(revert.Id(), outcome.GetProperty("run").Id());
        Assert.Equal(run.Id(), outcome.GetProperty("run").GetProperty("revertsRunId").GetGuid());
        Assert.Equal("revert", outcome.GetProperty("run").Str("trigger"));
        var archived = reverted.Where(e => e.Str("type") == "person.archived").ToList();
        Assert.Equal(peopleCreated.Select(e => e.GetProperty("recordId").GetGuid()).Order(), archived.Select(e => e.GetProperty("recordId").GetGuid()).Order());
        Assert.All(archived, e =>
        {
            Assert.Equal(revert.Id(), e.GetProperty("runId").GetGuid());
            Assert.Equal(("active", "archived"), EventWalk.Fields(e)["status"]);
        });

        // The whole feed, read again in small pages and filtered, is the same sequence.
        var whole = synced.Concat(edits).Concat(reverted).Select(e => e.Str("id")).ToList();
        Assert.Equal(whole, (await EventWalk.ReadFeedAsync(district, limit: 7)).Events.Select(e => e.Str("id")));
        Assert.Equal(synced.Concat(edits).Concat(reverted).Where(e => e.Str("type")!.StartsWith("sync.run.", StringComparison.Ordinal)).Select(e => e.Str("id")),
            (await EventWalk.ReadFeedAsync(district, types: "sync.run.*", limit: 1)).Events.Select(e => e.Str("id")));
    }

    [Fact]
    public async Task Concurrent_Api_edits_and_a_run_committing_meanwhile_reach_a_polling_reader_gap_free_and_in_commit_order()
    {
        var district = await api.NewDistrictAsync(EventWalk.AllScopes);
        var people = new List<Guid>();
        for (var i = 0; i < 24; i++) people.Add((await api.PersonAsync(district.Id, $"concurrent{i}@lincoln.k12.example", p =>
            {
                // Manual people: the import neither matches nor abandons them (R12 leaves manual records alone).
                p.Origin = "manual";
                p.SisId = p.OneRosterId = null;
            })).Id);

        var polled = new List<JsonElement>();
        var writersDone = false;
        var poller = Task.Run(async () =>
        {
            string? cursor = null;
            while (true)
            {
                var last = Volatile.Read(ref writersDone);
                var (events, next) = await EventWalk.ReadFeedAsync(district, cursor);
                polled.AddRange(events);
                cursor = next;
                if (last) return;
                await Task.Delay(20);
            }
        });
        var import = EventWalk.ImportAsync(district, EventWalk.DemoBundle());
        // Three waves of eight concurrent edits, while the run reads, plans and applies.
        for (var wave = 0; wave < 3; wave++)
        {
            await Task.WhenAll(people.Skip(wave * 8).Take(8).Select(async id =>
                (await district.Client.PatchJsonAsync($"{district.Path}/people/{id}", new { room = $"R{wave}" })).EnsureSuccessStatusCode()));
            await Task.Delay(150);
        }
        Assert.Equal("succeeded", (await import).Str("status"));
        Volatile.Write(ref writersDone, true);
        await poller;

        var (all, _) = await EventWalk.ReadFeedAsync(district);
        Assert.Equal(all.Select(e => e.Str("id")), polled.Select(e => e.Str("id")));
        var sequences = all.Select(e => e.GetProperty("sequence").GetInt64()).Distinct().ToList();
        Assert.Equal(Enumerable.Range(1, 25).Select(n => (long)n), sequences); // 24 edits and the run, no number missing
        Assert.Equal(24, all.Count(e => e.Str("type") == "person.updated" && e.GetProperty("runId").ValueKind == JsonValueKind.Null));
        Assert.Single(all, e => e.Str("type") == "sync.run.succeeded");
    }

    [Fact]
    public async Task An_expired_cursor_answers_410_with_the_head_cursor_to_continue_from_after_reading_the_roster()
    {
        var district = await api.NewDistrictAsync(EventWalk.AllScopes);
        var person = await api.PersonAsync(district.Id, "old.cursor@lincoln.k12.example");
        var (_, start) = await EventWalk.ReadFeedAsync(district);
        (await district.Client.PatchJsonAsync($"{district.Path}/people/{person.Id}", new { room = "C3" })).EnsureSuccessStatusCode();
        await using (var db = api.Db())
            await db.Database.ExecuteSqlAsync($"UPDATE manual_changes SET changed_at = now() - interval '31 days' WHERE district_id = {district.Id}");

        var problem = await Problem.AssertAsync(await district.Client.GetAsync($"{district.Path}/events?after={start}"),
            HttpStatusCode.Gone, "cursor-expired");
        var head = problem.Str("headCursor")!;
        var (events, _) = await EventWalk.ReadFeedAsync(district, head);
        Assert.Empty(events);
        // Without a cursor the feed starts at the oldest event kept: the old edit is not served.
        Assert.Empty((await EventWalk.ReadFeedAsync(district)).Events);
    }

    [Fact]
    public async Task Registration_edits_are_feed_events_of_a_known_type_that_filters_and_the_document_accept()
    {
        // Issue 14 walk: the feed served registration.created/updated, which its own types filter refused and its document's enum lacked.
        var district = await api.NewDistrictAsync([.. EventWalk.AllScopes, "registrations:write"]);
        var school = await (await district.Client.PostAsJsonAsync(district.Path + "/schools", new { name = "Lincoln High", identifier = "LHS" })).ReadAsync();
        var registration = await Export.Registrations.CreateAsync(district, school.Id(), Export.Registrations.Answers(email: "feed.reg@lincoln.example"));
        await Export.Registrations.SetStatusAsync(district, registration.Id(), "rejected");

        // Every answer is checked against the served document, so the page itself proves the enum holds these types.
        var page = await (await district.Client.GetAsync($"{district.Path}/events?types=registration.*")).ReadAsync();
        Assert.Equal(["registration.created", "registration.updated"], page.Items().Select(e => e.Str("type")));
        Assert.All(page.Items(), e => Assert.Equal(registration.Id(), e.GetProperty("recordId").GetGuid()));
        Assert.Equal("rejected", page.Items()[1].GetProperty("changes")[0].Str("after"));
        var exact = await (await district.Client.GetAsync($"{district.Path}/events?types=registration.updated")).ReadAsync();
        Assert.Single(exact.Items());
        var hook = await district.Client.PostAsJsonAsync(district.Path + "/webhooks", new { url = "https://hooks.example.com/r", eventTypes = new[] { "registration.*" } });
        Assert.Equal(HttpStatusCode.Created, hook.StatusCode);
    }

    [Fact]
    public async Task A_cursor_of_another_district_an_unknown_type_and_a_missing_scope_are_refused()
    {
        var district = await api.NewDistrictAsync(EventWalk.AllScopes);
        var other = await api.NewDistrictAsync(EventWalk.AllScopes);
        var (_, cursor) = await EventWalk.ReadFeedAsync(other);
        await Problem.AssertAsync(await district.Client.GetAsync($"{district.Path}/events?after={cursor}"), HttpStatusCode.BadRequest, "validation");
        await Problem.AssertAsync(await district.Client.GetAsync($"{district.Path}/events?types=person.deleted"), HttpStatusCode.BadRequest, "validation");
        var readOnly = await api.NewDistrictAsync("roster:read");
        await Problem.AssertAsync(await readOnly.Client.GetAsync($"{readOnly.Path}/events"), HttpStatusCode.Forbidden, "forbidden");
    }
}

/// <summary>A first import above the bulk threshold is one event telling consumers to read the roster.</summary>
public sealed class EventFeedBulkTests(EventFeedBulkTests.Factory api) : WithWorker, IClassFixture<EventFeedBulkTests.Factory>
{
    protected override ApiFactory Api => api;

    public sealed class Factory : ApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Events:BulkRunThreshold", "10")];
    }

    [Fact]
    public async Task A_first_import_over_the_threshold_is_one_sync_run_succeeded_event_with_counts_and_rereadRoster()
    {
        var district = await api.NewDistrictAsync(EventWalk.AllScopes);
        var run = await EventWalk.ImportAsync(district, EventWalk.DemoBundle());
        var (events, _) = await EventWalk.ReadFeedAsync(district);
        var only = Assert.Single(events);
        Assert.Equal("sync.run.succeeded", only.Str("type"));
        var outcome = only.GetProperty("run");
        Assert.True(outcome.GetProperty("rereadRoster").GetBoolean());
        Assert.Equal(run.GetProperty("counts").GetProperty("people").GetProperty("created").GetInt64(),
            outcome.GetProperty("counts").GetProperty("people").GetProperty("created").GetInt64());
    }
}
