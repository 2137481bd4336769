extern alias fakesis;

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using fakesis::RosterSync.FakeSis;
using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;
using static RosterSync.Api.Tests.Export.Registrations;

namespace RosterSync.Api.Tests.Export;

/// <summary>
/// SPEC §6 and issue 13's "Done when": the whole walk of SchoolMint Enroll's Sync Service article through the Api alone,
/// against the fake SIS: configure, map every type, preview, send a test record, assign schools, bulk export a mix, read each
/// status, and an inbound sync afterwards that matches the exported students.
/// </summary>
public sealed class ExportWalkTests(ExportFixture fixture) : IClassFixture<ExportFixture>
{
    private ApiFactory Api => fixture.Api;

    [Fact]
    public async Task The_articles_walk_configure_map_preview_test_assign_export_read_and_sync_back()
    {
        var district = await Api.NewDistrictAsync(AllScopes);
        var lincoln = await fixture.SchoolAsync(district.Id, "Lincoln High", "255901");
        var roosevelt = await fixture.SchoolAsync(district.Id, "Roosevelt Middle", "255902");
        var ana = await ApprovedAsync(district, lincoln.Id, Answers(localId: "W100234", email: "ana.w@lincoln.example"));
        var ben = await ApprovedAsync(district, lincoln.Id, Answers(first: "Ben", last: "Okafor", gender: "Male", grade: "10", localId: "W100235", email: "ben.w@lincoln.example"));
        var cleo = (await CreateAsync(district, lincoln.Id, Answers(first: "Cleo", localId: "W100236", email: "cleo.w@lincoln.example"))).Id();
        var dan = await ApprovedAsync(district, lincoln.Id, Answers(first: "Dan", birth: "01/01/2031", localId: "W100237", email: "dan.w@lincoln.example"));
        var eve = await ApprovedAsync(district, roosevelt.Id, Answers(first: "Éve", gender: "Non-binary", localId: "W100238", email: "eve.w@roosevelt.example"));
        var connections = $"{district.Path}/export-connections";

        // Configure: base URL, OAuth2 client credentials (the secret write-only and encrypted), document, operations, example.
        var created = await district.Client.PostAsJsonAsync(connections, fixture.Connection(example: ana));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.DoesNotContain(ExportFixture.ClientSecret, createdText, StringComparison.Ordinal);
        var connection = JsonDocument.Parse(createdText).RootElement;
        Assert.True(connection.GetProperty("auth").GetProperty("secretSet").GetBoolean());
        var id = connection.Id();
        await using (var db = Api.Db())
            Assert.DoesNotContain(ExportFixture.ClientSecret, (await db.ExportConnections.SingleAsync(c => c.Id == id)).EncryptedSecrets!, StringComparison.Ordinal);

        // Target fields from the SIS's OpenAPI document: nested objects, arrays, required, enums, formats.
        var fields = (await (await district.Client.PostAsync($"{connections}/{id}/target-fields/refresh", null)).ReadAsync()).GetProperty("fields").EnumerateArray()
            .ToDictionary(f => $"{f.Str("operation")} {f.Str("path")}");
        Assert.True(fields["POST /students studentUniqueId"].GetProperty("required").GetBoolean());
        Assert.Equal("date", fields["POST /students birthDate"].Str("format"));
        Assert.Equal(3, fields["POST /students sexDescriptor"].GetProperty("enum").GetArrayLength());
        Assert.False(fields["POST /students addresses[0].postalCode"].GetProperty("required").GetBoolean());
        Assert.Equal("integer", fields["POST /studentSchoolAssociations schoolReference.schoolId"].Str("type"));

        // Mapping: validation names the unmapped required target, then the code table that misses a value in the registrations.
        var partial = ExportFixture.Mappings(withNonBinary: false).Where(m => JsonSerializer.Serialize(m).Contains("\"lastSurname\"", StringComparison.Ordinal) is false).ToArray();
        var problems = (await (await district.Client.PutAsJsonAsync($"{connections}/{id}/mappings", new { mappings = partial })).ReadAsync()).GetProperty("problems").EnumerateArray().ToList();
        Assert.Contains(problems, p => p.Str("kind") == "unmapped-required" && p.Str("target") == "lastSurname");
        var codes = Assert.Single(problems, p => p.Str("kind") == "codes-missing");
        Assert.Equal(("sexDescriptor", "Non-binary"), (codes.Str("target"), codes.GetProperty("values")[0].GetString()));
        var mapped = await (await district.Client.PutAsJsonAsync($"{connections}/{id}/mappings", new { mappings = ExportFixture.Mappings() })).ReadAsync();
        Assert.Empty(mapped.GetProperty("problems").EnumerateArray());

        // Preview: the mapped payload beside the source values, for the example registration.
        var preview = await (await district.Client.GetAsync($"{connections}/{id}/preview")).ReadAsync();
        var student = preview.GetProperty("payloads")[0].GetProperty("body");
        Assert.Equal(("W100234", "2007-09-01", "SAN FRANCISCO", "(415) 555-0142"), (student.Str("studentUniqueId"), student.Str("birthDate"),
            student.GetProperty("addresses")[0].Str("city"), student.GetProperty("contacts")[0].Str("telephoneNumber")));
        Assert.Equal(255901, preview.GetProperty("payloads")[1].GetProperty("body").GetProperty("schoolReference").GetProperty("schoolId").GetInt64());
        var birth = preview.GetProperty("values").EnumerateArray().Single(v => v.Str("target") == "birthDate");
        Assert.Equal(("student.birthDate", "09/01/2007", "2007-09-01"), (birth.Str("source"), birth.Str("sourceValue"), birth.GetProperty("value").GetString()));

        // Send a test record: the target's answers as they came.
        var test = await (await district.Client.PostAsJsonAsync($"{connections}/{id}/test-record", new { })).ReadAsync();
        var answers = test.GetProperty("answers").EnumerateArray().ToList();
        Assert.Equal([("POST /students", 201), ("POST /studentSchoolAssociations", 201)], answers.Select(a => (a.Str("operation")!, a.GetProperty("status").GetInt32())));
        Assert.StartsWith("/students/", answers[0].Str("location"), StringComparison.Ordinal);

        // Assign the connection to schools in bulk; a school has one connection, so another connection's assignment moves it.
        var assigned = await (await district.Client.PostAsJsonAsync($"{connections}/{id}/schools", new { schoolIds = new[] { lincoln.Id, roosevelt.Id } })).ReadAsync();
        Assert.Equal(2, assigned.GetProperty("schoolIds").GetArrayLength());
        var other = (await (await district.Client.PostAsJsonAsync(connections, new
        {
            name = "Other SIS", baseUrl = "https://sis.example/", auth = new { kind = "bearer", token = "t0ken" }, openApiUrl = "/openapi.json", operations = ExportFixture.Operations,
        })).ReadAsync()).Id();
        await (await district.Client.PostAsJsonAsync($"{connections}/{other}/schools", new { schoolIds = new[] { roosevelt.Id } })).ReadAsync();
        Assert.Equal([lincoln.Id], (await (await district.Client.GetAsync($"{connections}/{id}")).ReadAsync()).GetProperty("schoolIds").EnumerateArray().Select(s => s.GetGuid()));
        await (await district.Client.PostAsJsonAsync($"{connections}/{id}/schools", new { schoolIds = new[] { roosevelt.Id } })).ReadAsync();
        var read = await district.Client.GetAsync($"{connections}/{id}");
        Assert.NotNull(read.Headers.ETag);
        var stale = new HttpRequestMessage(HttpMethod.Put, $"{connections}/{id}") { Content = JsonContent.Create(fixture.Connection(example: ana, secret: null!)) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        await Problem.AssertAsync(await district.Client.SendAsync(stale), HttpStatusCode.PreconditionFailed, "precondition-failed");

        // Bulk export a mix: approved, unapproved (not sent), invalid for the SIS (a future birth date), and one already test-sent.
        var run = await ExportFixture.ExportAsync(district, new { registrationIds = new[] { ana, ben, cleo, dan, eve } });
        Assert.Equal("partially-succeeded", run.Str("status"));
        var counts = run.GetProperty("counts");
        Assert.Equal((3, 1, 0, 1), (counts.GetProperty("sent").GetInt32(), counts.GetProperty("failed").GetInt32(), counts.GetProperty("pending").GetInt32(), counts.GetProperty("notApproved").GetInt32()));
        Assert.Equal((4, 4), (run.GetProperty("progress").GetProperty("processed").GetInt64(), run.GetProperty("progress").GetProperty("total").GetInt64()));

        // Read each status.
        async Task<JsonElement> Registration(Guid r) => await (await district.Client.GetAsync($"{district.Path}/registrations/{r}")).ReadAsync();
        var anaState = (await Registration(ana)).GetProperty("export");
        var anaSisId = fixture.Sis.Students["W100234"].Id.ToString("N");
        Assert.Equal(("sent", anaSisId), (anaState.Str("status"), anaState.Str("sisId")));
        var danError = (await Registration(dan)).GetProperty("export");
        Assert.Equal("failed", danError.Str("status"));
        Assert.Equal(FakeSisApp.DataValidationFailed, danError.GetProperty("error").Str("type"));
        Assert.Contains("future", danError.GetProperty("error").GetProperty("fields").GetProperty("$.birthDate")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await Registration(cleo)).GetProperty("export").GetProperty("status").ValueKind);
        Assert.Single(fixture.StudentPosts("W100237"));
        var items = (await (await district.Client.GetAsync($"{district.Path}/export-runs/{run.Id()}/items?status=failed")).ReadAsync()).Items();
        Assert.Equal(dan, Assert.Single(items).GetProperty("registrationId").GetGuid());
        var anaPerson = (await Registration(ana)).GetProperty("personId").GetGuid();
        var person = await (await district.Client.GetAsync($"{district.Path}/people/{anaPerson}")).ReadAsync();
        Assert.Equal(anaSisId, person.GetProperty("sourceIds").Str("sis"));

        // Already sent: the same payload is unchanged and not sent again, unless forced.
        var postsBefore = fixture.StudentPosts("W100234").Count();
        var again = await ExportFixture.ExportAsync(district, new { registrationIds = new[] { ana, ben } });
        Assert.Equal(("succeeded", 2), (again.Str("status"), again.GetProperty("counts").GetProperty("unchanged").GetInt32()));
        Assert.Equal(postsBefore, fixture.StudentPosts("W100234").Count());
        var forced = await ExportFixture.ExportAsync(district, new { registrationIds = new[] { ana }, force = true });
        Assert.Equal(1, forced.GetProperty("counts").GetProperty("sent").GetInt32());
        Assert.Equal(postsBefore + 1, fixture.StudentPosts("W100234").Count());

        // SPEC §9: each export run's outcome is an export.run.* event in the district's feed.
        var exportEvents = (await (await district.Client.GetAsync($"{district.Path}/events?types=export.run.*&limit=10")).ReadAsync()).Items();
        Assert.Equal(["export.run.partially-succeeded", "export.run.succeeded", "export.run.succeeded"], exportEvents.Select(e => e.Str("type")));
        Assert.Equal([run.Id(), again.Id(), forced.Id()], exportEvents.Select(e => e.GetProperty("runId").GetGuid()));
        // Its counts say what it changed in the roster: each SIS id linked is a person updated; a resend links nothing new.
        Assert.Equal([3L, 0L, 0L], exportEvents.Select(e => e.GetProperty("run").GetProperty("counts").GetProperty("people").GetProperty("updated").GetInt64()));

        // An inbound sync afterwards (the SIS's own export, with its ids) matches the exported students: nobody is duplicated.
        await using (var db = Api.Db())
        {
            var people = await db.People.CountAsync(p => p.DistrictId == district.Id);
            var csv = new StringBuilder("sis id,first name,last name,email,graduation year\r\n");
            foreach (var (localId, email) in new[] { ("W100234", "ana.w@lincoln.example"), ("W100235", "ben.w@lincoln.example") })
            {
                var stored = fixture.Sis.Students[localId];
                csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{stored.Id:N},{stored.Body["firstName"]},{stored.Body["lastSurname"]},{email},2029\r\n");
            }
            var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
            file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var import = await district.Client.PostAsync(district.Path + "/imports", new MultipartFormDataContent { { file, "file", "students.csv" } });
            Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);
            var sync = await ExportFixture.WaitAsync(district, import.Headers.Location!.ToString());
            Assert.Equal("succeeded", sync.Str("status"));
            Assert.Equal(people, await db.People.CountAsync(p => p.DistrictId == district.Id));
            var adopted = await db.People.AsNoTracking().SingleAsync(p => p.Id == anaPerson);
            Assert.Equal((anaSisId, Origins.Synced), (adopted.SisId, adopted.Origin));
        }
    }

    [Fact]
    public async Task Retries_429_honouring_Retry_After_and_5xx_but_never_another_4xx()
    {
        var (district, school) = await fixture.ConnectedDistrictAsync();
        var ok = await ApprovedAsync(district, school.Id, Answers(localId: "R200001", email: "r1@x.org"));
        var refused = await ApprovedAsync(district, school.Id, Answers(localId: "R200002", email: "r2@x.org", birth: "01/01/2031"));

        fixture.Sis.Fail(SisFault.TooManyRequests(retryAfterSeconds: 2), SisFault.ServerError(), SisFault.ServerError());
        var run = await ExportFixture.ExportAsync(district, new { registrationIds = new[] { ok, refused } });

        Assert.Equal("partially-succeeded", run.Str("status"));
        var posts = fixture.StudentPosts("R200001").ToList();
        Assert.Equal([429, 500, 500, 201], posts.Select(p => p.Status));
        Assert.True(posts[1].At - posts[0].At >= TimeSpan.FromSeconds(1.9), $"Retry-After 2 s not honoured: {posts[1].At - posts[0].At}");
        Assert.Equal([400], fixture.StudentPosts("R200002").Select(p => p.Status));
    }

    [Fact]
    public async Task A_target_that_hangs_is_timed_out_and_retried()
    {
        var (district, school) = await fixture.ConnectedDistrictAsync();
        var registration = await ApprovedAsync(district, school.Id, Answers(localId: "T300001", email: "t1@x.org"));

        fixture.Sis.Fail(SisFault.Hang(TimeSpan.FromSeconds(20)));
        var run = await ExportFixture.ExportAsync(district, new { registrationIds = new[] { registration } });

        Assert.Equal("succeeded", run.Str("status"));
        Assert.Equal([201], fixture.StudentPosts("T300001").Select(p => p.Status));
    }

    [Fact]
    public async Task The_token_is_cached_until_it_expires_then_renewed()
    {
        var district = await Api.NewDistrictAsync(AllScopes);
        var school = await fixture.SchoolAsync(district.Id, "Lincoln High", "255901");
        var connection = await fixture.ConnectedAsync(district, school.Id);
        var registration = await ApprovedAsync(district, school.Id, Answers(localId: "K400001", email: "k1@x.org"));
        fixture.Sis.TokenLifetime = TimeSpan.FromSeconds(6);
        try
        {
            async Task Send() => await (await district.Client.PostAsJsonAsync($"{district.Path}/export-connections/{connection}/test-record", new { registrationId = registration })).ReadAsync();
            await Send();
            await Send();
            await Task.Delay(TimeSpan.FromSeconds(6));
            await Send();
            var tokens = fixture.StudentPosts("K400001").Select(p => p.Authorization).ToList();
            Assert.Equal(3, tokens.Count);
            Assert.Equal(tokens[0], tokens[1]);
            Assert.NotEqual(tokens[1], tokens[2]);
        }
        finally
        {
            fixture.Sis.TokenLifetime = TimeSpan.FromMinutes(30);
        }
    }

    [Fact]
    public async Task R29_a_dead_Workers_export_run_is_taken_over_and_a_registration_already_sent_is_not_sent_again()
    {
        var (district, school) = await fixture.ConnectedDistrictAsync();
        var sent = await ApprovedAsync(district, school.Id, Answers(localId: "D500001", email: "d1@x.org"));
        var pending = await ApprovedAsync(district, school.Id, Answers(localId: "D500002", email: "d2@x.org"));

        // As a Worker that died mid-run leaves it: running, its lease expired, one registration written as sent. One
        // transaction, as POST export-runs writes it, so the dispatcher never sees the run without its registrations.
        var run = new SyncRun
        {
            Id = Guid.CreateVersion7(), DistrictId = district.Id, Status = RunStatus.Running, Trigger = RunTriggers.Api, SourceKind = ExportRunStatuses.SourceKind,
            QueuedAt = DateTimeOffset.UtcNow.AddMinutes(-3), StartedAt = DateTimeOffset.UtcNow.AddMinutes(-3),
            LeaseOwner = "dead-worker#1", LeaseExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1),
        };
        await Api.AddAsync(
            new ExportRunRequest { RunId = run.Id, DistrictId = district.Id },
            new ExportRunItem { RunId = run.Id, RegistrationId = sent, DistrictId = district.Id, Status = ExportStatuses.Sent, SisId = "earlier", Attempts = 1 },
            new ExportRunItem { RunId = run.Id, RegistrationId = pending, DistrictId = district.Id },
            run);

        var finished = await ExportFixture.WaitAsync(district, $"{district.Path}/export-runs/{run.Id}");

        Assert.Equal("succeeded", finished.Str("status"));
        Assert.Empty(fixture.StudentPosts("D500001"));
        Assert.Single(fixture.StudentPosts("D500002"));
        await using var db = Api.Db();
        Assert.Equal(1, (await db.SyncRuns.SingleAsync(r => r.Id == run.Id)).Takeovers);
    }

    [Fact]
    public async Task Cancelling_a_queued_export_run_ends_it_at_once_with_every_registration_pending_and_an_export_run_cancelled_event()
    {
        var (district, school) = await fixture.ConnectedDistrictAsync();
        var registration = await ApprovedAsync(district, school.Id, Answers(localId: "C700001", email: "c1@x.org"));
        // Queued and published (in the future: the dispatcher leaves it alone), so no Worker claims it before the cancel.
        var run = new SyncRun
        {
            Id = Guid.CreateVersion7(), DistrictId = district.Id, Trigger = RunTriggers.Api, SourceKind = ExportRunStatuses.SourceKind,
            QueuedAt = DateTimeOffset.UtcNow, PublishedAt = DateTimeOffset.UtcNow.AddHours(1),
        };
        await Api.AddAsync(new ExportRunRequest { RunId = run.Id, DistrictId = district.Id },
            new ExportRunItem { RunId = run.Id, RegistrationId = registration, DistrictId = district.Id }, run);
        var path = $"{district.Path}/export-runs/{run.Id}";

        var cancelled = await (await district.Client.PostAsync($"{path}/cancel", null)).ReadAsync();
        Assert.Equal(("cancelled", 1), (cancelled.Str("status"), cancelled.GetProperty("counts").GetProperty("pending").GetInt32()));
        Assert.True(cancelled.TryGetProperty("finishedAt", out var finishedAt) && finishedAt.ValueKind == JsonValueKind.String);
        await Problem.AssertAsync(await district.Client.PostAsync($"{path}/cancel", null), HttpStatusCode.Conflict, "run-state");
        await Problem.AssertAsync(await district.Client.PostAsync($"{district.Path}/export-runs/{Guid.CreateVersion7()}/cancel", null), HttpStatusCode.NotFound, "not-found");
        var readKey = await (await Api.Operator().PostAsJsonAsync($"{district.Path}/api-keys", new { name = "reader", scopes = new[] { "roster:read" } })).ReadAsync();
        await Problem.AssertAsync(await Api.Client(readKey.Str("key")).PostAsync($"{path}/cancel", null), HttpStatusCode.Forbidden, "forbidden");

        var events = (await (await district.Client.GetAsync($"{district.Path}/events?types=export.run.cancelled")).ReadAsync()).Items();
        Assert.Equal(run.Id, Assert.Single(events).GetProperty("runId").GetGuid());
        Assert.Empty(fixture.StudentPosts("C700001"));
    }

    [Fact]
    public async Task Cancelling_a_running_export_run_stops_it_before_its_next_registration_sent_ones_stay_sent_the_rest_pending()
    {
        var (district, school) = await fixture.ConnectedDistrictAsync();
        var students = new Dictionary<Guid, string>();
        for (var i = 0; i < 8; i++) students[await ApprovedAsync(district, school.Id, Answers(localId: $"C71000{i}", email: $"c7{i}@x.org"))] = $"C71000{i}";
        fixture.Sis.PostDelay = TimeSpan.FromMilliseconds(250);
        try
        {
            var started = await district.Client.PostAsJsonAsync(district.Path + "/export-runs", new { schoolId = school.Id });
            var path = started.Headers.Location!.ToString();
            var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
            while ((await (await district.Client.GetAsync(path)).ReadAsync()).GetProperty("counts").GetProperty("sent").GetInt32() < 2)
            {
                Assert.True(DateTimeOffset.UtcNow < deadline, "The export run sent nothing");
                await Task.Delay(50);
            }

            Assert.Equal("cancelled", (await (await district.Client.PostAsync($"{path}/cancel", null)).ReadAsync()).Str("status"));
            // A registration takes two POSTs of 250 ms: within 2 s the Worker has seen the cancel, and then nothing moves.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var items = (await (await district.Client.GetAsync($"{path}/items")).ReadAsync()).Items().ToDictionary(i => i.GetProperty("registrationId").GetGuid(), i => i.Str("status"));
            var posts = students.ToDictionary(s => s.Key, s => fixture.Sis.PostsOf("/students", s.Value));
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Equal(posts, students.ToDictionary(s => s.Key, s => fixture.Sis.PostsOf("/students", s.Value)));

            var run = await (await district.Client.GetAsync(path)).ReadAsync();
            Assert.Equal("cancelled", run.Str("status"));
            Assert.InRange(items.Count(i => i.Value == "sent"), 2, students.Count - 1);
            // Sent ones stay sent (the one in flight at the cancel included); the rest stay pending and were never POSTed.
            foreach (var (id, status) in items)
                Assert.Equal((id, status == "sent" ? 1 : 0), (id, posts[id]));
            Assert.All(items.Values, status => Assert.Contains(status, new[] { "sent", "pending" }));
            Assert.Equal(items.Count(i => i.Value == "pending"), run.GetProperty("counts").GetProperty("pending").GetInt32());
        }
        finally
        {
            fixture.Sis.PostDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task An_export_needs_the_export_run_scope_and_waits_for_an_open_sync_run()
    {
        var reader = await Api.NewDistrictAsync("roster:read");
        await Problem.AssertAsync(await reader.Client.PostAsJsonAsync(reader.Path + "/export-runs", new { }), HttpStatusCode.Forbidden, "forbidden");

        var district = await Api.NewDistrictAsync(AllScopes);
        await Api.RunAsync(district.Id, RunStatus.AwaitingApproval);
        var problem = await Problem.AssertAsync(await district.Client.PostAsJsonAsync(district.Path + "/export-runs", new { }), HttpStatusCode.Conflict, "run-state");
        Assert.Equal("R25", problem.Str("rule"));
    }
}
