using System.Text.Json.Nodes;
using RosterSync.Domain.Model;

namespace RosterSync.Worker.Tests.Sources;

public class CleverSourceTests(SourceWorkerFixture worker, FakeCleverServer clever) : IClassFixture<SourceWorkerFixture>, IClassFixture<FakeCleverServer>
{
    private async Task<(Guid District, CleverTenant Clever)> DistrictAsync()
    {
        var tenant = clever.AddDistrict();
        CleverData.Lincoln(tenant);
        var district = await worker.CreateDistrictAsync();
        await ConfigureAsync(district, tenant.Token);
        return (district, tenant);
    }

    private Task ConfigureAsync(Guid district, string? token) => worker.ConfigureAsync(district,
        SourceWorkerFixture.Settings(new SourceSettings { Kind = SourceKinds.Clever, BaseUrl = clever.Address.ToString() }),
        token is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["token"] = token });

    private Task<string?> PersonAsync(Guid district, string cleverId, string column) =>
        worker.TextAsync($"SELECT {column}::text FROM people WHERE district_id = $1 AND clever_id = $2", district, cleverId);

    [Fact]
    public async Task Full_sync_maps_every_role_section_and_contact_into_the_roster()
    {
        var (district, tenant) = await DistrictAsync();

        var run = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Null(run.Error);
        Assert.Equal(11, run.Counts.People.Created);
        Assert.Equal(11, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.Equal(2, await worker.ScalarAsync("SELECT count(*) FROM schools WHERE district_id = $1", district));
        Assert.Equal(4, await worker.ScalarAsync("SELECT count(*) FROM classes WHERE district_id = $1", district));
        Assert.Equal(13, await worker.ScalarAsync("SELECT count(*) FROM enrollments WHERE district_id = $1", district));
        Assert.Equal(3, await worker.ScalarAsync("SELECT count(*) FROM guardian_links WHERE district_id = $1", district));
        Assert.Equal("Lincoln High", await worker.TextAsync("SELECT name FROM schools WHERE district_id = $1 AND clever_id = 'sch-1'", district));

        Assert.Equal("{teacher,administrator}", await PersonAsync(district, "t1", "roles"));
        Assert.Equal("{administrator}", await PersonAsync(district, "ad1", "roles"));
        Assert.Equal("S1", await PersonAsync(district, "a1", "sis_id"));
        Assert.Equal("2029", await PersonAsync(district, "a1", "graduation_year"));
        Assert.Equal("eve.smith@lincoln.example", await PersonAsync(district, "a5", "normalized_email"));
        // R17: a2 is listed at both schools; a student belongs to its primary school only.
        Assert.Equal(1, await worker.ScalarAsync(
            "SELECT count(*) FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.district_id = $1 AND p.clever_id = 'a2'", district));
        // Contacts are guardians: full name split, a cell phone is also the SMS number; c2 has no email but a unique SMS (R10).
        Assert.Equal("Maria|Diaz|555-0101|555-0101|{guardian}", await worker.TextAsync(
            "SELECT concat_ws('|', given_name, family_name, phone, sms, roles::text) FROM people WHERE district_id = $1 AND clever_id = 'c1'", district));
        Assert.Equal("a5|Grandparent", await worker.TextAsync("""
            SELECT s.clever_id || '|' || g.relationship FROM guardian_links g JOIN people p ON p.id = g.guardian_id JOIN people s ON s.id = g.student_id
            WHERE g.district_id = $1 AND p.clever_id = 'c2'
            """, district));
        Assert.Equal("sec-2,sec-4", await worker.TextAsync(
            "SELECT string_agg(clever_id, ',' ORDER BY clever_id) FROM classes WHERE district_id = $1 AND is_homeroom", district));
        Assert.Equal("co-teacher", await worker.TextAsync("""
            SELECT e.role FROM enrollments e JOIN people p ON p.id = e.person_id JOIN classes c ON c.id = e.class_id
            WHERE e.district_id = $1 AND p.clever_id = 't2' AND c.clever_id = 'sec-1'
            """, district));
        // Paged: 11 users at 3 per page is 4 pages, each following the previous page's next link.
        Assert.Equal(4, tenant.Requests.Count(r => r.PathAndQuery.StartsWith("/v3.0/users", StringComparison.Ordinal)));
        Assert.All(tenant.Requests, r => Assert.Equal("Bearer " + tenant.Token, r.Authorization));
    }

    [Fact]
    public async Task Second_sync_applies_edits_and_removals_as_the_rules_say()
    {
        var (district, tenant) = await DistrictAsync();
        await worker.SyncAsync(district, SourceKinds.Clever);

        tenant.User("a1")["name"]!["first"] = "Anna";
        tenant.User("a3")["email"] = "cara.lee2@lincoln.example";
        tenant.Users.Remove(tenant.User("a4"));
        tenant.Sections.Single(s => (string)s["id"]! == "sec-3")["students"]!.AsArray().RemoveAt(1);
        tenant.Users.Add(CleverData.Student("a6", "finn.young@lincoln.example", "Finn", "Young", "sch-1", "9", "S6"));
        tenant.User("c1")["roles"]!["contact"]!["student_relationships"]!.AsArray().RemoveAt(1);
        tenant.Sections.RemoveAll(s => (string)s["id"]! == "sec-4");
        tenant.User("c2")["roles"]!["contact"]!["student_relationships"]![0]!["relationship"] = "Legal Guardian";
        var second = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Succeeded, second.Status);
        Assert.Equal(1, second.Counts.People.Created);
        Assert.Equal("Anna", await PersonAsync(district, "a1", "given_name"));
        Assert.Equal("cara.lee2@lincoln.example", await PersonAsync(district, "a3", "email"));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R3'", second.Id));
        Assert.Equal(RecordStatus.Archived, await PersonAsync(district, "a4", "status"));
        Assert.Equal(RecordStatus.Archived, await worker.TextAsync("SELECT status FROM classes WHERE district_id = $1 AND clever_id = 'sec-4'", district));
        Assert.Equal(1, await worker.ScalarAsync("""
            SELECT count(*) FROM guardian_links g JOIN people p ON p.id = g.student_id
            WHERE g.district_id = $1 AND p.clever_id = 'a2' AND g.ended_at IS NOT NULL AND g.ended_by_run_id = $2
            """, district, second.Id));
        // R11: the same link, its relationship updated.
        Assert.Equal("Legal Guardian|1", await worker.TextAsync("""
            SELECT max(g.relationship) || '|' || count(*) FROM guardian_links g JOIN people p ON p.id = g.guardian_id
            WHERE g.district_id = $1 AND p.clever_id = 'c2'
            """, district));

        var third = await worker.SyncAsync(district, SourceKinds.Clever);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1 AND entity = 'person'", third.Id));
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_waited_out_and_the_run_succeeds()
    {
        var (district, tenant) = await DistrictAsync();
        tenant.Faults = i => i == 2 ? Fault.TooManyRequests(1) : null;

        var run = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        var requests = tenant.Requests.ToArray();
        Assert.True(requests[3].At - requests[2].At >= TimeSpan.FromMilliseconds(900), "the retry waited for Retry-After");
        Assert.Equal(11, run.Counts.People.Created);
    }

    [Fact]
    public async Task A_burst_of_500s_and_a_page_that_times_out_are_retried()
    {
        var (district, tenant) = await DistrictAsync();
        tenant.Faults = i => i switch
        {
            3 or 4 => Fault.Error(500),
            5 => Fault.Error(503),
            8 => Fault.Hang(TimeSpan.FromSeconds(5)),
            _ => null,
        };

        var run = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(11, run.Counts.People.Created);
        Assert.Equal(4, run.Counts.Classes.Created);
    }

    [Fact]
    public async Task R22_persistent_500s_fail_the_run_and_apply_nothing()
    {
        var (district, tenant) = await DistrictAsync();
        await worker.SyncAsync(district, SourceKinds.Clever);
        var before = await worker.RosterStateAsync(district);
        tenant.Users.RemoveRange(0, 4);
        var failAfter = tenant.Requests.Count + 5;
        tenant.Faults = i => i >= failAfter ? Fault.Error(502) : null;

        var run = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("502", run.Error);
        Assert.Contains("after 3 retries", run.Error);
        Assert.Equal(before, await worker.RosterStateAsync(district));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1", run.Id));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R22'", run.Id));
    }

    [Fact]
    public async Task R22_a_page_that_never_answers_fails_the_run()
    {
        var (district, tenant) = await DistrictAsync();
        tenant.Faults = i => i >= 2 ? Fault.Hang(TimeSpan.FromSeconds(10)) : null;

        var run = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("did not answer", run.Error);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }

    [Fact]
    public async Task R22_a_token_revoked_mid_read_fails_with_what_to_fix_and_applies_nothing()
    {
        var (district, tenant) = await DistrictAsync();
        await worker.SyncAsync(district, SourceKinds.Clever);
        var before = await worker.RosterStateAsync(district);
        tenant.Users.RemoveAll(u => (string)u["id"]! is "a3" or "a4");
        var revokeAt = tenant.Requests.Count + 4;
        tenant.Faults = i => i >= revokeAt ? Fault.Error(401) : null;

        var run = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("Clever rejected the district token (401", run.Error);
        Assert.Contains("reconnect the district in Clever and save the new token in sync-settings", run.Error);
        Assert.DoesNotContain(tenant.Token, run.Error);
        Assert.Equal(revokeAt + 1, tenant.Requests.Count);
        Assert.Equal(before, await worker.RosterStateAsync(district));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1 AND status = 'archived'", district));
    }

    [Fact]
    public async Task A_changed_token_takes_effect_on_the_next_run()
    {
        var (district, tenant) = await DistrictAsync();
        await ConfigureAsync(district, "not-the-token");
        var rejected = await worker.SyncAsync(district, SourceKinds.Clever);

        await ConfigureAsync(district, tenant.Token);
        var accepted = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Failed, rejected.Status);
        Assert.Contains("401", rejected.Error);
        Assert.Equal(RunStatus.Succeeded, accepted.Status);
    }

    [Fact]
    public async Task Repeated_failures_open_the_district_circuit_but_not_another_district()
    {
        var (district, tenant) = await DistrictAsync();
        tenant.Faults = _ => Fault.Error(500);
        var (other, _) = await DistrictAsync();

        var first = await worker.SyncAsync(district, SourceKinds.Clever);
        var second = await worker.SyncAsync(district, SourceKinds.Clever);
        var unaffected = await worker.SyncAsync(other, SourceKinds.Clever);

        Assert.Equal(RunStatus.Failed, first.Status);
        Assert.Contains("500", first.Error);
        Assert.Equal(RunStatus.Failed, second.Status);
        Assert.Contains("circuit open", second.Error);
        Assert.Equal(6, tenant.Requests.Count);
        Assert.Equal(RunStatus.Succeeded, unaffected.Status);
    }

    [Fact]
    public async Task An_empty_last_page_ends_the_list_with_every_record_read()
    {
        var (district, tenant) = await DistrictAsync();
        tenant.EmptyLastPage = true;
        tenant.Users.RemoveRange(9, 2);

        var run = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(9, run.Counts.People.Created);
        // 9 users at 3 per page: the third page's next link leads to a fourth, empty one.
        Assert.Equal(4, tenant.Requests.Count(r => r.PathAndQuery.StartsWith("/v3.0/users", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task R6_R10_users_without_email_and_duplicate_emails_are_skipped_with_issues()
    {
        var (district, tenant) = await DistrictAsync();
        tenant.Users.Add(CleverData.Student("a7", null, "Gia", "Nowak", "sch-1", "9", "S7"));
        tenant.Users.Add(CleverData.Student("a8", "ANA.DIAZ@lincoln.example", "Ana", "Diaz-Copy", "sch-1", "9", "S8"));
        tenant.Users.Add(CleverData.Contact("c3", null, "Nora Quinn", null, "", ("a1", "Aunt/Uncle")));

        var run = await worker.SyncAsync(district, SourceKinds.Clever);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(11, run.Counts.People.Created);
        Assert.Equal(3, run.Counts.People.Skipped);
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R6' AND source_id = 'a7'", run.Id));
        Assert.Contains("a1", await worker.TextAsync("SELECT message FROM run_issues WHERE run_id = $1 AND rule = 'R6' AND source_id = 'a8'", run.Id));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R10' AND source_id = 'c3'", run.Id));
        Assert.Equal("Ana", await PersonAsync(district, "a1", "given_name"));
    }

    [Fact]
    public async Task Source_test_answers_counts_or_what_is_wrong_and_writes_nothing()
    {
        var (district, tenant) = await DistrictAsync();

        var ok = await worker.TestSourceAsync(district);
        tenant.Revoked = true;
        var revoked = await worker.TestSourceAsync(district);
        await ConfigureAsync(district, null);
        var noToken = await worker.TestSourceAsync(district);

        Assert.True(ok.Ok);
        Assert.Equal(11, ok.Counts["people"]);
        Assert.Equal(5, ok.Counts["students"]);
        Assert.Equal(4, ok.Counts["classes"]);
        Assert.Equal(13, ok.Counts["enrollments"]);
        Assert.Equal(3, ok.Counts["guardianLinks"]);
        Assert.False(revoked.Ok);
        Assert.False(revoked.SettingsProblem);
        Assert.Contains("401", revoked.Problem);
        Assert.False(noToken.Ok);
        Assert.True(noToken.SettingsProblem);
        Assert.Contains("token", noToken.Problem);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM sync_runs WHERE district_id = $1", district));
    }
}
