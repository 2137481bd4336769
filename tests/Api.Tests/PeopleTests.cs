using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Model;

namespace RosterSync.Api.Tests;

[Collection(SharedApi.Name)]
public sealed class PeopleTests(ApiFactory api)
{
    private static object Teacher(string email) => new { email, givenName = "Tom", familyName = "Reed", roles = new[] { "teacher" } };

    [Fact]
    public async Task Person_has_the_spec_shape()
    {
        var district = await api.NewDistrictAsync();
        var school = await api.SchoolAsync(district.Id);
        var person = await api.PersonAsync(district.Id, "ana.diaz@lincoln.k12.example");
        await api.AddAsync(new Membership { Id = Guid.CreateVersion7(), DistrictId = district.Id, PersonId = person.Id, SchoolId = school.Id, Role = Roles.Student, CreatedAt = DateTimeOffset.UtcNow });

        var response = await district.Client.GetAsync($"{district.Path}/people/{person.Id}");
        var read = await response.ReadAsync();
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal("ana.diaz@lincoln.k12.example", read.Str("email"));
        Assert.Equal(["student"], read.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("09", read.Str("grade"));
        Assert.Equal(2029, read.GetProperty("graduationYear").GetInt32());
        Assert.Equal(JsonValueKind.Null, read.GetProperty("middleName").ValueKind);
        Assert.Equal("synced", read.Str("origin"));
        Assert.Equal("invitee", read.Str("accountState"));
        Assert.Equal("active", read.Str("status"));
        var sourceIds = read.GetProperty("sourceIds");
        Assert.Equal(["sis", "oneroster", "clever", "classlink"], sourceIds.EnumerateObject().Select(p => p.Name));
        Assert.Equal("or-ana.diaz@lincoln.k12.example", sourceIds.Str("oneroster"));
        Assert.Equal([school.Id], read.GetProperty("schoolIds").EnumerateArray().Select(s => s.GetGuid()));
        foreach (var field in new[] { "sms", "phone", "language", "room", "createdAt", "updatedAt", "givenName", "familyName" })
            Assert.True(read.TryGetProperty(field, out _), field);
    }

    [Fact]
    public async Task List_pages_through_every_person_once_in_id_order()
    {
        var district = await api.NewDistrictAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++) ids.Add((await api.PersonAsync(district.Id, $"p{i}@x.org")).Id);
        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await (await district.Client.GetAsync($"{district.Path}/people?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"))).ReadAsync();
            Assert.True(page.Items().Count <= 2);
            seen.AddRange(page.Items().Select(p => p.Id()));
            cursor = page.Str("nextCursor");
        } while (cursor is not null);
        // Version-7 ids made in the same millisecond are not ordered by creation; Guid's order is PostgreSQL's uuid order.
        Assert.Equal(ids.Order(), seen);
    }

    [Fact]
    public async Task The_unfiltered_list_and_by_id_reads_answer_exactly_what_the_filtered_list_answers()
    {
        // GET people without a filter and GET people/{id} are read straight from Npgsql (PersonReads); a filtered list goes
        // through EF Core (PersonQueries). Both must give the same JSON, row version and school list.
        var district = await api.NewDistrictAsync();
        var (north, south) = (await api.SchoolAsync(district.Id, "North"), await api.SchoolAsync(district.Id, "South"));
        var both = await api.PersonAsync(district.Id, "both@x.org", p => { p.Roles = [Roles.Teacher, Roles.Staff]; p.MiddleName = "Q"; p.Room = "12"; });
        var ended = await api.PersonAsync(district.Id, "ended@x.org", p => { p.GraduationYear = null; p.CleverId = "c-1"; });
        var none = await api.PersonAsync(district.Id, "none@x.org");
        var now = DateTimeOffset.UtcNow;
        Membership Member(Person p, School s, string role, DateTimeOffset? endedAt = null) =>
            new() { Id = Guid.CreateVersion7(), DistrictId = district.Id, PersonId = p.Id, SchoolId = s.Id, Role = role, CreatedAt = now, EndedAt = endedAt };
        await api.AddAsync(Member(both, south, Roles.Teacher), Member(both, north, Roles.Teacher), Member(both, north, Roles.Staff),
            Member(ended, north, Roles.Student, now), Member(ended, south, Roles.Student));

        var lean = await (await district.Client.GetAsync($"{district.Path}/people?limit=10")).ReadAsync();
        var viaEf = await (await district.Client.GetAsync($"{district.Path}/people?limit=10&status=active")).ReadAsync();
        Assert.Equal(3, lean.Items().Count);
        Assert.Equal(viaEf.GetProperty("items").GetRawText(), lean.GetProperty("items").GetRawText());
        var first = lean.Items().Single(p => p.Id() == both.Id);
        Assert.Equal(new[] { north.Id, south.Id }.Order(), first.GetProperty("schoolIds").EnumerateArray().Select(s => s.GetGuid()));

        foreach (var item in lean.Items())
        {
            var byId = await district.Client.GetAsync($"{district.Path}/people/{item.Id()}");
            Assert.Equal(item.GetRawText(), (await byId.ReadAsync()).GetRawText());
            await using var db = api.Db();
            var version = await db.People.Where(p => p.Id == item.Id()).Select(p => EF.Property<uint>(p, RowVersion.Property)).SingleAsync();
            Assert.Equal($"\"{version}\"", byId.Headers.ETag?.Tag);
        }
        Assert.Null(lean.Str("nextCursor"));
        var paged = await (await district.Client.GetAsync($"{district.Path}/people?limit=2")).ReadAsync();
        Assert.Equal(lean.Items().Take(2).Select(p => p.Id()), paged.Items().Select(p => p.Id()));
        var rest = await (await district.Client.GetAsync($"{district.Path}/people?limit=2&cursor={paged.Str("nextCursor")}")).ReadAsync();
        Assert.Equal([lean.Items()[2].Id()], rest.Items().Select(p => p.Id()));
        await Problem.AssertAsync(await district.Client.GetAsync($"{district.Path}/people/{Guid.CreateVersion7()}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Paging_stays_correct_while_people_are_added()
    {
        var district = await api.NewDistrictAsync();
        for (var i = 0; i < 3; i++) await api.PersonAsync(district.Id, $"k{i}@x.org");
        var first = await (await district.Client.GetAsync($"{district.Path}/people?limit=2")).ReadAsync();
        var added = await api.PersonAsync(district.Id, "late@x.org");
        var second = await (await district.Client.GetAsync($"{district.Path}/people?limit=2&cursor={first.Str("nextCursor")}")).ReadAsync();
        var all = first.Items().Concat(second.Items()).Select(p => p.Id()).ToList();
        Assert.Equal(all.Distinct().Count(), all.Count);
        Assert.Contains(added.Id, all);
    }

    [Theory]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("role=wizard", "role")]
    [InlineData("status=deleted", "status")]
    public async Task Bad_list_parameters_are_validation_problems(string query, string field)
    {
        var district = await api.NewDistrictAsync();
        await Problem.AssertInvalidAsync(await district.Client.GetAsync($"{district.Path}/people?{query}"), field);
    }

    [Fact]
    public async Task List_filters_by_role_status_email_school_name_and_modification()
    {
        var district = await api.NewDistrictAsync();
        var school = await api.SchoolAsync(district.Id);
        var ana = await api.PersonAsync(district.Id, "ana.diaz@x.org");
        var tom = await api.PersonAsync(district.Id, "tom.reed@x.org", p => { p.Roles = [Roles.Teacher]; p.GivenName = "Tom"; p.FamilyName = "Reed_100%"; });
        var old = await api.PersonAsync(district.Id, "old@x.org", p => { p.Status = RecordStatus.Archived; p.UpdatedAt = DateTimeOffset.UtcNow.AddDays(-30); });
        var now = DateTimeOffset.UtcNow;
        await api.AddAsync(
            new Membership { Id = Guid.CreateVersion7(), DistrictId = district.Id, PersonId = ana.Id, SchoolId = school.Id, Role = Roles.Student, CreatedAt = now },
            new Membership { Id = Guid.CreateVersion7(), DistrictId = district.Id, PersonId = old.Id, SchoolId = school.Id, Role = Roles.Student, CreatedAt = now, EndedAt = now });

        async Task<List<Guid>> Ids(string query) =>
            (await (await district.Client.GetAsync($"{district.Path}/people?{query}")).ReadAsync()).Items().Select(p => p.Id()).ToList();

        Assert.Equal([tom.Id], await Ids("role=teacher"));
        Assert.Equal([old.Id], await Ids("status=archived"));
        Assert.Equal([ana.Id], await Ids("email=%20ANA.Diaz@X.org%20"));
        Assert.Equal([ana.Id], await Ids($"schoolId={school.Id}"));
        Assert.Equal([tom.Id], await Ids("q=reed"));
        Assert.Equal([tom.Id], await Ids("q=tom%20re"));
        Assert.Equal([tom.Id], await Ids("q=100%25"));
        // Lists are in id order; version-7 ids made in the same millisecond are not in creation order.
        Assert.Equal(new[] { ana.Id, tom.Id }.Order(), await Ids("q=X.ORG&status=active"));
        Assert.Equal(new[] { ana.Id, tom.Id }.Order(), await Ids($"modifiedSince={Uri.EscapeDataString(now.AddDays(-1).ToString("O"))}"));
    }

    [Fact]
    public async Task Post_creates_a_manual_invitee()
    {
        var district = await api.NewDistrictAsync();
        var school = await api.SchoolAsync(district.Id);
        var response = await district.Client.PostAsJsonAsync(district.Path + "/people",
            new { email = "  Tom.Reed@X.org ", givenName = "Tom", familyName = "Reed", roles = new[] { "teacher" }, schoolIds = new[] { school.Id } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var person = await response.ReadAsync();
        Assert.Equal($"{district.Path}/people/{person.Id()}", response.Headers.Location?.ToString());
        Assert.Equal("manual", person.Str("origin"));
        Assert.Equal("invitee", person.Str("accountState"));
        Assert.Equal("Tom.Reed@X.org", person.Str("email"));
        Assert.Equal([school.Id], person.GetProperty("schoolIds").EnumerateArray().Select(s => s.GetGuid()));
        await using var db = api.Db();
        Assert.Equal("tom.reed@x.org", (await db.People.SingleAsync(p => p.Id == person.Id())).NormalizedEmail);
    }

    [Fact]
    public async Task R1_an_email_already_used_in_the_district_is_a_409_problem()
    {
        var district = await api.NewDistrictAsync();
        await api.PersonAsync(district.Id, "tom.reed@x.org");
        var response = await district.Client.PostAsJsonAsync(district.Path + "/people", Teacher("TOM.REED@x.org"));
        await Problem.AssertAsync(response, HttpStatusCode.Conflict, "email-taken");

        var other = await api.NewDistrictAsync();
        Assert.Equal(HttpStatusCode.Created, (await other.Client.PostAsJsonAsync(other.Path + "/people", Teacher("tom.reed@x.org"))).StatusCode);
    }

    [Fact]
    public async Task R19_manual_students_denied_while_a_sync_is_set_up()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", new { source = new { kind = "clever", token = "t" }, manualStudents = "deny" }))
            .EnsureSuccessStatusCode();
        var student = new { email = "kid@x.org", givenName = "Kid", familyName = "Doe", roles = new[] { "student" } };
        var problem = await Problem.AssertAsync(await district.Client.PostAsJsonAsync(district.Path + "/people", student), HttpStatusCode.Conflict, "manual-students-denied");
        Assert.Equal("R19", problem.Str("rule"));
        Assert.Equal(HttpStatusCode.Created, (await district.Client.PostAsJsonAsync(district.Path + "/people", Teacher("staff@x.org"))).StatusCode);
        var guardian = new { email = "mom@x.org", givenName = "Mom", familyName = "Doe", roles = new[] { "guardian" } };
        Assert.Equal(HttpStatusCode.Created, (await district.Client.PostAsJsonAsync(district.Path + "/people", guardian)).StatusCode);
    }

    [Fact]
    public async Task R19_manual_students_allowed_by_default()
    {
        var district = await api.NewDistrictAsync();
        var student = new { email = "kid@x.org", givenName = "Kid", familyName = "Doe", roles = new[] { "student" } };
        Assert.Equal(HttpStatusCode.Created, (await district.Client.PostAsJsonAsync(district.Path + "/people", student)).StatusCode);
    }

    [Fact]
    public async Task A_manual_person_takes_any_edit()
    {
        var district = await api.NewDistrictAsync();
        var person = await (await district.Client.PostAsJsonAsync(district.Path + "/people", Teacher("t@x.org"))).ReadAsync();
        var edited = await (await district.Client.PatchJsonAsync($"{district.Path}/people/{person.Id()}",
            new { email = "tom@x.org", familyName = "Reeds", room = "B12", sms = "+15550100" })).ReadAsync();
        Assert.Equal("tom@x.org", edited.Str("email"));
        Assert.Equal("Reeds", edited.Str("familyName"));
        Assert.Equal("B12", edited.Str("room"));
    }

    [Fact]
    public async Task R7_a_synced_students_grade_is_refused_and_room_accepted()
    {
        var district = await api.NewDistrictAsync();
        var student = await api.PersonAsync(district.Id, "kid@x.org", p => p.AccountState = AccountStates.Active);
        var problem = await Problem.AssertAsync(await district.Client.PatchJsonAsync($"{district.Path}/people/{student.Id}", new { grade = "10", room = "B12" }),
            HttpStatusCode.Conflict, "sync-managed-field");
        Assert.Equal("R7", problem.Str("rule"));
        Assert.Equal("R7", problem.GetProperty("fields").Str("grade"));

        var edited = await (await district.Client.PatchJsonAsync($"{district.Path}/people/{student.Id}", new { room = "B12", language = "es" })).ReadAsync();
        Assert.Equal("B12", edited.Str("room"));
        Assert.Equal("es", edited.Str("language"));
    }

    [Fact]
    public async Task R8_an_invitees_contact_details_are_refused()
    {
        var district = await api.NewDistrictAsync();
        var student = await api.PersonAsync(district.Id, "kid@x.org");
        var problem = await Problem.AssertAsync(await district.Client.PatchJsonAsync($"{district.Path}/people/{student.Id}", new { email = "new@x.org" }),
            HttpStatusCode.Conflict, "sync-managed-field");
        Assert.Equal("R8", problem.Str("rule"));
        await using var db = api.Db();
        Assert.Equal("kid@x.org", (await db.People.SingleAsync(p => p.Id == student.Id)).Email);
    }

    [Fact]
    public async Task R8_an_active_persons_contact_details_stand_while_updateActiveUsers_is_off()
    {
        var district = await api.NewDistrictAsync();
        var teacher = await api.PersonAsync(district.Id, "t@x.org", p => { p.Roles = [Roles.Teacher]; p.AccountState = AccountStates.Active; });
        var edited = await (await district.Client.PatchJsonAsync($"{district.Path}/people/{teacher.Id}", new { email = "tom@x.org", phone = "+15550100" })).ReadAsync();
        Assert.Equal("tom@x.org", edited.Str("email"));

        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", new { source = new { kind = "upload" }, updateActiveUsers = true })).EnsureSuccessStatusCode();
        var problem = await Problem.AssertAsync(await district.Client.PatchJsonAsync($"{district.Path}/people/{teacher.Id}", new { phone = "+15550199" }),
            HttpStatusCode.Conflict, "sync-managed-field");
        Assert.Equal("R8", problem.Str("rule"));
    }

    [Fact]
    public async Task Patch_with_a_stale_if_match_is_a_412_problem()
    {
        var district = await api.NewDistrictAsync();
        var created = await district.Client.PostAsJsonAsync(district.Path + "/people", Teacher("t@x.org"));
        var id = (await created.ReadAsync()).Id();
        var etag = created.Headers.ETag!;
        (await district.Client.PatchJsonAsync($"{district.Path}/people/{id}", new { room = "A1" })).EnsureSuccessStatusCode();

        var stale = new HttpRequestMessage(HttpMethod.Patch, $"{district.Path}/people/{id}") { Content = JsonContent.Create(new { room = "C3" }) };
        stale.Headers.IfMatch.Add(etag);
        await Problem.AssertAsync(await district.Client.SendAsync(stale), HttpStatusCode.PreconditionFailed, "precondition-failed");

        var current = await district.Client.GetAsync($"{district.Path}/people/{id}");
        var fresh = new HttpRequestMessage(HttpMethod.Patch, $"{district.Path}/people/{id}") { Content = JsonContent.Create(new { room = "C3" }) };
        fresh.Headers.IfMatch.Add(current.Headers.ETag!);
        Assert.Equal("C3", (await (await district.Client.SendAsync(fresh)).ReadAsync()).Str("room"));
    }

    [Fact]
    public async Task Patch_to_an_email_in_use_is_a_409_problem()
    {
        var district = await api.NewDistrictAsync();
        await (await district.Client.PostAsJsonAsync(district.Path + "/people", Teacher("a@x.org"))).ReadAsync();
        var b = await (await district.Client.PostAsJsonAsync(district.Path + "/people", Teacher("b@x.org"))).ReadAsync();
        await Problem.AssertAsync(await district.Client.PatchJsonAsync($"{district.Path}/people/{b.Id()}", new { email = "A@x.org" }), HttpStatusCode.Conflict, "email-taken");
    }

    [Fact]
    public async Task Activation_makes_an_invitee_active()
    {
        var district = await api.NewDistrictAsync();
        var person = await api.PersonAsync(district.Id, "kid@x.org");
        var activated = await (await district.Client.PostAsync($"{district.Path}/people/{person.Id}/activation", null)).ReadAsync();
        Assert.Equal("active", activated.Str("accountState"));
    }

    [Fact]
    public async Task Issue12_R7_R8_R11_an_edit_through_the_api_clears_the_sync_fingerprint_of_the_people_it_touches()
    {
        var district = await api.NewDistrictAsync();
        var teacher = await api.PersonAsync(district.Id, "t@x.org", p => (p.Roles, p.SyncFingerprint) = ([Roles.Teacher], 1));
        var student = await api.PersonAsync(district.Id, "kid@x.org", p => p.SyncFingerprint = 2);
        var guardian = await api.PersonAsync(district.Id, "mom@x.org", p => (p.Roles, p.SyncFingerprint) = ([Roles.Guardian], 3));
        var signedIn = await api.PersonAsync(district.Id, "other@x.org", p => p.SyncFingerprint = 4);

        (await district.Client.PatchJsonAsync($"{district.Path}/people/{teacher.Id}", new { room = "A1" })).EnsureSuccessStatusCode();
        (await district.Client.PostAsync($"{district.Path}/people/{signedIn.Id}/activation", null)).EnsureSuccessStatusCode();
        (await district.Client.PostAsJsonAsync($"{district.Path}/people/{student.Id}/guardians", new { guardianId = guardian.Id })).EnsureSuccessStatusCode();

        // The next sync plans each of them again instead of taking their unchanged source rows for unchanged records.
        await using var db = api.Db();
        var prints = await db.People.Where(p => p.DistrictId == district.Id).ToDictionaryAsync(p => p.Id, p => p.SyncFingerprint);
        Assert.All(prints.Values, print => Assert.Null(print));
    }

    [Fact]
    public async Task Guardians_are_linked_by_hand_and_listed_both_ways()
    {
        var district = await api.NewDistrictAsync();
        var student = await api.PersonAsync(district.Id, "kid@x.org");
        var guardian = await api.PersonAsync(district.Id, "mom@x.org", p => p.Roles = [Roles.Guardian]);
        var response = await district.Client.PostAsJsonAsync($"{district.Path}/people/{student.Id}/guardians", new { guardianId = guardian.Id, relationship = "mother" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("manual", (await response.ReadAsync()).Str("origin"));

        var guardians = await (await district.Client.GetAsync($"{district.Path}/people/{student.Id}/guardians")).ReadAsync();
        var link = Assert.Single(guardians.Items());
        Assert.Equal(guardian.Id, link.GetProperty("person").Id());
        Assert.Equal("mother", link.Str("relationship"));
        Assert.Null(guardians.Str("nextCursor"));
        var students = await (await district.Client.GetAsync($"{district.Path}/people/{guardian.Id}/students")).ReadAsync();
        Assert.Equal(student.Id, Assert.Single(students.Items()).GetProperty("person").Id());

        await Problem.AssertAsync(await district.Client.PostAsJsonAsync($"{district.Path}/people/{student.Id}/guardians", new { guardianId = guardian.Id }),
            HttpStatusCode.Conflict, "already-exists");
        await Problem.AssertInvalidAsync(await district.Client.PostAsJsonAsync($"{district.Path}/people/{student.Id}/guardians", new { guardianId = student.Id }), "guardianId");
    }

    [Fact]
    public async Task A_link_made_by_hand_is_ended_by_hand_and_a_synced_one_is_refused_under_R11()
    {
        var district = await api.NewDistrictAsync();
        var student = await api.PersonAsync(district.Id, "kid@x.org");
        var mom = await api.PersonAsync(district.Id, "mom@x.org", p => p.Roles = [Roles.Guardian]);
        var dad = await api.PersonAsync(district.Id, "dad@x.org", p => p.Roles = [Roles.Guardian]);
        var manual = (await (await district.Client.PostAsJsonAsync($"{district.Path}/people/{student.Id}/guardians", new { guardianId = mom.Id })).ReadAsync()).Str("linkId");
        var synced = new GuardianLink { Id = Guid.CreateVersion7(), DistrictId = district.Id, GuardianId = dad.Id, StudentId = student.Id, CreatedAt = DateTimeOffset.UtcNow };
        await api.AddAsync(synced);

        Assert.Equal(HttpStatusCode.NoContent, (await district.Client.DeleteAsync($"{district.Path}/people/{student.Id}/guardians/{manual}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await district.Client.DeleteAsync($"{district.Path}/people/{student.Id}/guardians/{manual}")).StatusCode);
        var refused = await Problem.AssertAsync(await district.Client.DeleteAsync($"{district.Path}/people/{student.Id}/guardians/{synced.Id}"), HttpStatusCode.Conflict, "synced-link");
        Assert.Equal("R11", refused.Str("rule"));
        await Problem.AssertAsync(await district.Client.DeleteAsync($"{district.Path}/people/{mom.Id}/guardians/{synced.Id}"), HttpStatusCode.NotFound, "not-found");

        var guardians = await (await district.Client.GetAsync($"{district.Path}/people/{student.Id}/guardians")).ReadAsync();
        Assert.Equal(dad.Id, Assert.Single(guardians.Items()).GetProperty("person").Id());
        await using var db = api.Db();
        Assert.NotNull((await db.GuardianLinks.SingleAsync(g => g.GuardianId == mom.Id)).EndedAt);
    }

    [Fact]
    public async Task A_persons_classes_are_its_active_enrollments()
    {
        var district = await api.NewDistrictAsync();
        var student = await api.PersonAsync(district.Id, "kid@x.org");
        var algebra = await api.ClassAsync(district.Id);
        var biology = await api.ClassAsync(district.Id, configure: c => c.Name = "Biology");
        var now = DateTimeOffset.UtcNow;
        await api.AddAsync(
            new Enrollment { Id = Guid.CreateVersion7(), DistrictId = district.Id, ClassId = algebra.Id, PersonId = student.Id, Role = EnrollmentRoles.Student, CreatedAt = now },
            new Enrollment { Id = Guid.CreateVersion7(), DistrictId = district.Id, ClassId = biology.Id, PersonId = student.Id, Role = EnrollmentRoles.Student, CreatedAt = now, EndedAt = now });
        var classes = await (await district.Client.GetAsync($"{district.Path}/people/{student.Id}/classes")).ReadAsync();
        var only = Assert.Single(classes.Items());
        Assert.Equal(algebra.Id, only.GetProperty("class").Id());
        Assert.Equal("student", only.Str("role"));
    }

    [Fact]
    public async Task History_lists_run_changes_and_api_edits_newest_first_with_their_rule()
    {
        var district = await api.NewDistrictAsync();
        var person = await api.PersonAsync(district.Id, "kid@x.org", p => p.AccountState = AccountStates.Active);
        var run = await api.RunAsync(district.Id, RunStatus.Succeeded);
        var dry = await api.RunAsync(district.Id, RunStatus.Succeeded, dryRun: true);
        await api.AddAsync(
            new RunChange { RunId = run.Id, DistrictId = district.Id, Entity = Entities.Person, RecordId = person.Id, Action = ChangeActions.Updated, Field = "email", Before = "old@x.org", After = "kid@x.org", Rule = "R3" },
            new RunChange { RunId = dry.Id, DistrictId = district.Id, Entity = Entities.Person, RecordId = person.Id, Action = ChangeActions.Updated, Field = "grade", Before = "09", After = "10", Rule = "R7" });
        (await district.Client.PatchJsonAsync($"{district.Path}/people/{person.Id}", new { room = "B12" })).EnsureSuccessStatusCode();

        var history = (await (await district.Client.GetAsync($"{district.Path}/people/{person.Id}/history")).ReadAsync()).Items();
        Assert.Equal(2, history.Count);
        Assert.Equal("api", history[0].Str("by"));
        Assert.Equal("room", history[0].Str("field"));
        Assert.Equal("R7", history[0].Str("rule"));
        Assert.NotEqual(JsonValueKind.Null, history[0].GetProperty("apiKeyId").ValueKind);
        Assert.Equal("run", history[1].Str("by"));
        Assert.Equal(run.Id, history[1].GetProperty("runId").GetGuid());
        Assert.Equal("R3", history[1].Str("rule"));

        var paged = await (await district.Client.GetAsync($"{district.Path}/people/{person.Id}/history?limit=1")).ReadAsync();
        var rest = await (await district.Client.GetAsync($"{district.Path}/people/{person.Id}/history?limit=1&cursor={paged.Str("nextCursor")}")).ReadAsync();
        Assert.Equal("run", Assert.Single(rest.Items()).Str("by"));
    }
}
