using System.Text.RegularExpressions;
using RosterSync.Domain.Model;

namespace RosterSync.Worker.Tests.Sources;

public partial class ClassLinkSourceTests(SourceWorkerFixture worker, FakeOneRosterServer oneRoster)
    : IClassFixture<SourceWorkerFixture>, IClassFixture<FakeOneRosterServer>
{
    private async Task<(Guid District, OneRosterTenant Tenant)> DistrictAsync(string auth = "oauth1")
    {
        var tenant = oneRoster.AddTenant(auth);
        OneRosterData.Adams(tenant);
        var district = await worker.CreateDistrictAsync();
        await ConfigureAsync(district, tenant, tenant.ClientSecret);
        return (district, tenant);
    }

    private Task ConfigureAsync(Guid district, OneRosterTenant tenant, string secret) => worker.ConfigureAsync(district,
        SourceWorkerFixture.Settings(new SourceSettings
        {
            Kind = SourceKinds.ClassLink, BaseUrl = oneRoster.BaseUrl(tenant), Auth = tenant.Auth, ClientId = tenant.ClientId,
            TokenUrl = tenant.Auth == "oauth2" ? oneRoster.TokenUrl(tenant) : null,
        }),
        new Dictionary<string, string> { [tenant.Auth == "bearer" ? "token" : "clientSecret"] = secret });

    private Task<string?> PersonAsync(Guid district, string id, string column) =>
        worker.TextAsync($"SELECT {column}::text FROM people WHERE district_id = $1 AND class_link_id = $2", district, id);

    [GeneratedRegex("oauth_nonce=\"([^\"]+)\"")]
    private static partial Regex Nonce();

    [Fact]
    public async Task Full_sync_with_OAuth1_signed_requests_maps_the_tenant_like_the_csv_path()
    {
        var (district, tenant) = await DistrictAsync();

        var run = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(10, run.Counts.People.Created);
        Assert.Equal(2, await worker.ScalarAsync("SELECT count(*) FROM schools WHERE district_id = $1", district));
        Assert.Equal(2, await worker.ScalarAsync("SELECT count(*) FROM classes WHERE district_id = $1", district));
        Assert.Equal(8, await worker.ScalarAsync("SELECT count(*) FROM enrollments WHERE district_id = $1", district));
        Assert.Equal(3, await worker.ScalarAsync("SELECT count(*) FROM guardian_links WHERE district_id = $1", district));
        Assert.Null(await PersonAsync(district, "stu-9", "id"));
        Assert.Equal("{administrator}", await PersonAsync(district, "adm-1", "roles"));
        Assert.Equal("{staff}", await PersonAsync(district, "aide-1", "roles"));
        Assert.Equal("{guardian}", await PersonAsync(district, "gdn-1", "roles"));
        Assert.Equal("555-0199", await PersonAsync(district, "gdn-1", "sms"));
        Assert.Equal("SIS-stu-1|09|AVA", await worker.TextAsync(
            "SELECT concat_ws('|', sis_id, grade, given_name) FROM people WHERE district_id = $1 AND class_link_id = 'stu-1'", district));
        Assert.Equal(2, await worker.ScalarAsync(
            "SELECT count(*) FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.district_id = $1 AND p.class_link_id = 'tch-2'", district));
        Assert.Equal(0, await worker.ScalarAsync(
            "SELECT count(*) FROM memberships m JOIN people p ON p.id = m.person_id WHERE p.district_id = $1 AND p.class_link_id = 'adm-1'", district));
        Assert.Equal("aide,co-teacher,student,student,teacher", await worker.TextAsync("""
            SELECT string_agg(e.role, ',' ORDER BY e.role) FROM enrollments e JOIN classes c ON c.id = e.class_id
            WHERE e.district_id = $1 AND c.class_link_id = 'cls-1'
            """, district));
        Assert.Equal("cls-2", await worker.TextAsync("SELECT class_link_id FROM classes WHERE district_id = $1 AND is_homeroom", district));
        Assert.Equal(0, tenant.TokenRequests);
        Assert.All(tenant.Requests, r => Assert.StartsWith("OAuth oauth_consumer_key=\"" + tenant.ClientId + "\"", r.Authorization));
    }

    [Fact]
    public async Task Second_sync_applies_edits_and_removals_as_the_rules_say()
    {
        var (district, tenant) = await DistrictAsync();
        await worker.SyncAsync(district, SourceKinds.ClassLink);

        tenant.Record("users", "tch-1")["familyName"] = "BERG-LUND";
        tenant.Record("users", "stu-4")["status"] = "tobedeleted";
        tenant.Data["classes"].Remove(tenant.Record("classes", "cls-2"));
        tenant.Data["enrollments"].Remove(tenant.Record("enrollments", "enr-4"));
        tenant.Users.Add(OneRosterData.User("stu-5", "student", "uma.fox@adams.example", "UMA", "FOX", ["sch-1"]));
        var second = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Succeeded, second.Status);
        Assert.Equal(1, second.Counts.People.Created);
        Assert.Equal("BERG-LUND", await PersonAsync(district, "tch-1", "family_name"));
        Assert.Equal(RecordStatus.Archived, await PersonAsync(district, "stu-4", "status"));
        Assert.Equal(RecordStatus.Archived, await worker.TextAsync("SELECT status FROM classes WHERE district_id = $1 AND class_link_id = 'cls-2'", district));
        Assert.NotNull(await worker.TextAsync("""
            SELECT e.ended_at::text FROM enrollments e JOIN people p ON p.id = e.person_id JOIN classes c ON c.id = e.class_id
            WHERE e.district_id = $1 AND p.class_link_id = 'stu-2' AND c.class_link_id = 'cls-1'
            """, district));
    }

    [Fact]
    public async Task R6_R10_R11_users_without_email_and_duplicate_emails_are_skipped_with_issues_and_relationships_are_the_guardians_role()
    {
        var (district, tenant) = await DistrictAsync();
        tenant.Users.Add(OneRosterData.User("stu-7", "student", null, "GIA", "NOWAK", ["sch-1"]));
        tenant.Users.Add(OneRosterData.User("stu-8", "student", " AVA.Reyes@Adams.example ", "AVA", "COPY", ["sch-1"]));
        tenant.Users.Add(OneRosterData.User("rel-1", "relative", null, "NORA", "QUINN", [], ["stu-4"], sms: ""));

        var run = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(10, run.Counts.People.Created);
        Assert.Equal(3, run.Counts.People.Skipped);
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R6' AND source_id = 'stu-7'", run.Id));
        Assert.Contains("stu-1", await worker.TextAsync("SELECT message FROM run_issues WHERE run_id = $1 AND rule = 'R6' AND source_id = 'stu-8'", run.Id));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R10' AND source_id = 'rel-1'", run.Id));
        Assert.Equal("AVA", await PersonAsync(district, "stu-1", "given_name"));
        Assert.Equal("parent,parent,guardian", await worker.TextAsync("""
            SELECT string_agg(g.relationship, ',' ORDER BY s.class_link_id) FROM guardian_links g JOIN people s ON s.id = g.student_id
            WHERE g.district_id = $1
            """, district));
    }

    [Fact]
    public async Task OAuth2_fetches_a_token_once_per_run_and_never_reuses_it_across_runs()
    {
        var (district, tenant) = await DistrictAsync("oauth2");

        var first = await worker.SyncAsync(district, SourceKinds.ClassLink);
        var afterFirst = tenant.TokenRequests;
        var second = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Succeeded, first.Status);
        Assert.Equal(10, first.Counts.People.Created);
        Assert.Equal(1, afterFirst);
        Assert.Equal(RunStatus.Succeeded, second.Status);
        Assert.Equal(2, tenant.TokenRequests);
    }

    [Fact]
    public async Task OAuth2_token_revoked_in_the_middle_of_a_read_is_fetched_again_and_the_run_succeeds()
    {
        var (district, tenant) = await DistrictAsync("oauth2");
        tenant.RevokeTokensAtRequest = 3;

        var run = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(10, run.Counts.People.Created);
        Assert.Equal(2, tenant.TokenRequests);
    }

    [Fact]
    public async Task R22_OAuth2_client_credentials_refused_by_the_token_endpoint_fail_the_run()
    {
        var (district, tenant) = await DistrictAsync("oauth2");
        await ConfigureAsync(district, tenant, "wrong-secret");

        var run = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("token endpoint refused the client credentials (401", run.Error);
        Assert.DoesNotContain("wrong-secret", run.Error);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }

    [Fact]
    public async Task Bearer_auth_reads_the_tenant()
    {
        var (district, _) = await DistrictAsync("bearer");

        var run = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(10, run.Counts.People.Created);
    }

    [Fact]
    public async Task A_short_page_is_not_the_end_while_the_total_says_more()
    {
        var (district, tenant) = await DistrictAsync();
        tenant.MaxPageSize = 2;

        var run = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(10, run.Counts.People.Created);
        // 11 users at 2 per page: 6 pages, the last one short, and no empty page asked for once the total is reached.
        Assert.Equal(6, tenant.Requests.Count(r => r.PathAndQuery.Contains("/users?", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Without_a_total_the_list_ends_on_an_empty_page()
    {
        var (district, tenant) = await DistrictAsync();
        tenant.SendTotal = false;
        tenant.MaxPageSize = 2;

        var run = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(10, run.Counts.People.Created);
        Assert.Equal(8, run.Counts.Enrollments.Created);
        Assert.Equal(7, tenant.Requests.Count(r => r.PathAndQuery.Contains("/users?", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Retries_after_500s_429_and_a_hung_page_are_signed_afresh_and_succeed()
    {
        var (district, tenant) = await DistrictAsync();
        tenant.Faults = i => i switch
        {
            1 or 2 => Fault.Error(500),
            4 => Fault.TooManyRequests(1),
            6 => Fault.Hang(TimeSpan.FromSeconds(5)),
            _ => null,
        };

        var run = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(10, run.Counts.People.Created);
        var nonces = tenant.Requests.Select(r => Nonce().Match(r.Authorization ?? "").Groups[1].Value).ToList();
        Assert.Equal(nonces.Count, nonces.Distinct().Count());
        var requests = tenant.Requests.ToArray();
        Assert.True(requests[5].At - requests[4].At >= TimeSpan.FromMilliseconds(900), "the retry waited for Retry-After");
    }

    [Fact]
    public async Task R22_a_wrong_secret_fails_with_an_authorization_message_and_applies_nothing()
    {
        var (district, tenant) = await DistrictAsync();
        await worker.SyncAsync(district, SourceKinds.ClassLink);
        var before = await worker.RosterStateAsync(district);
        tenant.Users.RemoveAll(u => (string)u["sourcedId"]! is "stu-1" or "stu-2");
        await ConfigureAsync(district, tenant, "not-the-secret");

        var run = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("ClassLink rejected the request (401 authorization failed)", run.Error);
        Assert.DoesNotContain("not-the-secret", run.Error);
        Assert.Equal(before, await worker.RosterStateAsync(district));
    }

    [Fact]
    public async Task R22_persistent_503s_mid_list_fail_the_run_and_apply_nothing()
    {
        var (district, tenant) = await DistrictAsync();
        await worker.SyncAsync(district, SourceKinds.ClassLink);
        var before = await worker.RosterStateAsync(district);
        tenant.Data["enrollments"].Clear();
        var failFrom = tenant.Requests.Count + 4;
        tenant.Faults = i => i >= failFrom ? Fault.Error(503) : null;

        var run = await worker.SyncAsync(district, SourceKinds.ClassLink);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("503", run.Error);
        Assert.Equal(before, await worker.RosterStateAsync(district));
    }

    [Fact]
    public async Task Source_test_reads_the_tenant_and_writes_nothing()
    {
        var (district, tenant) = await DistrictAsync();

        var ok = await worker.TestSourceAsync(district);
        await ConfigureAsync(district, tenant, "wrong");
        var rejected = await worker.TestSourceAsync(district);

        Assert.True(ok.Ok);
        Assert.Equal(10, ok.Counts["people"]);
        Assert.Equal(2, ok.Counts["schools"]);
        Assert.Equal(8, ok.Counts["enrollments"]);
        Assert.False(rejected.Ok);
        Assert.False(rejected.SettingsProblem);
        Assert.Contains("401", rejected.Problem);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }
}
