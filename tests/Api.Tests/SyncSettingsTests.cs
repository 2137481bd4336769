using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RosterSync.ServiceDefaults;

namespace RosterSync.Api.Tests;

[Collection(SharedApi.Name)]
public sealed class SyncSettingsTests(ApiFactory api)
{
    private static object Clever(string? token = "clever-secret-token", int percent = 10) => new
    {
        source = new { kind = "clever", token },
        schedule = "0 2 * * *",
        updateActiveUsers = true,
        abandonedStudents = "remove",
        familyAbandonment = "extreme",
        safetyThresholdPercent = percent,
        safetyThresholdMinimum = 7,
        manualStudents = "deny",
        schoolMappings = Array.Empty<object>(),
        filters = new { roles = new[] { "student", "teacher" }, homeroomOnly = true },
    };

    [Fact]
    public async Task A_district_without_settings_reads_the_defaults()
    {
        var district = await api.NewDistrictAsync();
        var settings = await (await district.Client.GetAsync(district.Path + "/sync-settings")).ReadAsync();
        Assert.Equal("upload", settings.GetProperty("source").Str("kind"));
        Assert.Equal(10, settings.GetProperty("safetyThresholdPercent").GetInt32());
        Assert.Equal("allow", settings.Str("manualStudents"));
    }

    [Fact]
    public async Task Put_stores_the_document_and_the_secret_encrypted_and_never_returns_it()
    {
        var district = await api.NewDistrictAsync();
        var response = await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Clever());
        var saved = await response.ReadAsync();
        Assert.NotNull(response.Headers.ETag);
        Assert.DoesNotContain("clever-secret-token", saved.ToString());
        Assert.True(saved.GetProperty("source").GetProperty("tokenSet").GetBoolean());
        Assert.False(saved.GetProperty("source").GetProperty("passwordSet").GetBoolean());
        Assert.Equal("remove", saved.Str("abandonedStudents"));
        Assert.Equal("0 2 * * *", saved.Str("schedule"));

        var read = await (await district.Client.GetAsync(district.Path + "/sync-settings")).ReadAsync();
        Assert.DoesNotContain("clever-secret-token", read.ToString());
        Assert.Equal(saved.ToString(), read.ToString());

        await using var db = api.Db();
        var row = await db.SyncSettings.SingleAsync(s => s.DistrictId == district.Id);
        Assert.DoesNotContain("clever-secret-token", row.EncryptedSecrets);
        Assert.Equal("clever-secret-token", api.Services.GetRequiredService<SecretProtector>().Unprotect(row.EncryptedSecrets)["token"]);
        Assert.True(row.Settings.Filters.HomeroomOnly);
        Assert.Equal(7, row.Settings.SafetyThresholdMinimum);
    }

    [Fact]
    public async Task A_put_without_the_secret_keeps_the_stored_one()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Clever())).EnsureSuccessStatusCode();
        var saved = await (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Clever(token: null, percent: 20))).ReadAsync();
        Assert.True(saved.GetProperty("source").GetProperty("tokenSet").GetBoolean());
        Assert.Equal(20, saved.GetProperty("safetyThresholdPercent").GetInt32());
        await using var db = api.Db();
        var row = await db.SyncSettings.SingleAsync(s => s.DistrictId == district.Id);
        Assert.Equal("clever-secret-token", api.Services.GetRequiredService<SecretProtector>().Unprotect(row.EncryptedSecrets)["token"]);
    }

    [Fact]
    public async Task The_guardian_feeds_password_is_write_only_kept_on_a_put_without_it_and_removed_with_the_feed()
    {
        var district = await api.NewDistrictAsync();
        object Body(string? password) => new
        {
            source = new { kind = "upload" },
            guardianFeed = new { host = "sftp.sis.example", port = 2222, username = "feeds", hostKeyFingerprint = "SHA256:abc", path = "/outbox/guardians.csv", password },
        };
        var saved = await (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Body("feed-secret-pw"))).ReadAsync();
        var feed = saved.GetProperty("guardianFeed");
        Assert.Equal(("/outbox/guardians.csv", true, false), (feed.Str("path"), feed.GetProperty("passwordSet").GetBoolean(), feed.GetProperty("privateKeySet").GetBoolean()));
        Assert.DoesNotContain("feed-secret-pw", saved.ToString());

        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Body(null))).EnsureSuccessStatusCode();
        var protector = api.Services.GetRequiredService<SecretProtector>();
        await using (var db = api.Db())
            Assert.Equal("feed-secret-pw", protector.Unprotect((await db.SyncSettings.SingleAsync(s => s.DistrictId == district.Id)).EncryptedSecrets)["guardianFeed.password"]);

        var removed = await (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", new { source = new { kind = "upload" } })).ReadAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, removed.GetProperty("guardianFeed").ValueKind);
        await using (var db = api.Db())
            Assert.Empty(protector.Unprotect((await db.SyncSettings.SingleAsync(s => s.DistrictId == district.Id)).EncryptedSecrets));
    }

    [Fact]
    public async Task A_guardian_feed_without_credentials_or_path_is_a_validation_problem()
    {
        var district = await api.NewDistrictAsync();
        var response = await district.Client.PutAsJsonAsync(district.Path + "/sync-settings",
            new { source = new { kind = "upload" }, guardianFeed = new { host = "sftp.sis.example", username = "feeds", hostKeyFingerprint = "SHA256:abc" } });
        var errors = (await Problem.AssertInvalidAsync(response, "guardianFeed.path")).GetProperty("errors");
        Assert.True(errors.TryGetProperty("guardianFeed.password", out _));
    }

    [Fact]
    public async Task Clever_without_a_token_is_a_validation_problem()
    {
        var district = await api.NewDistrictAsync();
        await Problem.AssertInvalidAsync(await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Clever(token: null)), "source.token");
    }

    [Theory]
    [InlineData("{\"source\":{\"kind\":\"ftp\"}}", "source.kind")]
    [InlineData("{\"source\":{\"kind\":\"upload\"},\"abandonedStudents\":\"delete\"}", "abandonedStudents")]
    [InlineData("{\"source\":{\"kind\":\"upload\"},\"familyAbandonment\":\"total\"}", "familyAbandonment")]
    [InlineData("{\"source\":{\"kind\":\"upload\"},\"manualStudents\":\"maybe\"}", "manualStudents")]
    [InlineData("{\"source\":{\"kind\":\"upload\"},\"safetyThresholdPercent\":101}", "safetyThresholdPercent")]
    [InlineData("{\"source\":{\"kind\":\"upload\"},\"safetyThresholdMinimum\":-1}", "safetyThresholdMinimum")]
    [InlineData("{\"source\":{\"kind\":\"upload\"},\"schedule\":\"every night\"}", "schedule")]
    [InlineData("{\"source\":{\"kind\":\"upload\"},\"schedule\":\"0 25 * * *\"}", "schedule")]
    [InlineData("{\"source\":{\"kind\":\"upload\"},\"filters\":{\"roles\":[\"wizard\"]}}", "filters.roles[0]")]
    [InlineData("{\"source\":{\"kind\":\"upload\"},\"schoolMappings\":[{\"sourceSchoolId\":\"s1\",\"schoolId\":\"6f1f7a3e-0000-7000-8000-000000000001\"}]}", "schoolMappings[0].schoolId")]
    [InlineData("{\"source\":{\"kind\":\"classlink\",\"auth\":\"oauth2\"}}", "source.baseUrl")]
    [InlineData("{\"source\":{\"kind\":\"oneroster-sftp\",\"host\":\"sftp.example\",\"username\":\"u\",\"hostKeyFingerprint\":\"SHA256:x\"}}", "source.password")]
    [InlineData("{}", "source")]
    public async Task A_malformed_settings_document_is_a_validation_problem_and_changes_nothing(string document, string field)
    {
        var district = await api.NewDistrictAsync();
        var content = new StringContent(document, Encoding.UTF8, "application/json");
        await Problem.AssertInvalidAsync(await district.Client.PutAsync(district.Path + "/sync-settings", content), field);
        await using var db = api.Db();
        Assert.False(await db.SyncSettings.AnyAsync(s => s.DistrictId == district.Id));
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_and_changes_nothing()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Clever())).EnsureSuccessStatusCode();
        var content = new StringContent("{\"source\": {\"kind\": \"upload\"", Encoding.UTF8, "application/json");
        await Problem.AssertAsync(await district.Client.PutAsync(district.Path + "/sync-settings", content), HttpStatusCode.BadRequest, "bad-request");
        var read = await (await district.Client.GetAsync(district.Path + "/sync-settings")).ReadAsync();
        Assert.Equal("clever", read.GetProperty("source").Str("kind"));
    }

    [Fact]
    public async Task A_stale_if_match_is_a_412_problem()
    {
        var district = await api.NewDistrictAsync();
        var first = await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Clever());
        var etag = first.Headers.ETag!;
        var second = await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Clever(percent: 30));
        Assert.NotEqual(etag, second.Headers.ETag);

        var stale = new HttpRequestMessage(HttpMethod.Put, district.Path + "/sync-settings") { Content = JsonContent.Create(Clever(percent: 40)) };
        stale.Headers.IfMatch.Add(etag);
        await Problem.AssertAsync(await district.Client.SendAsync(stale), HttpStatusCode.PreconditionFailed, "precondition-failed");

        var fresh = new HttpRequestMessage(HttpMethod.Put, district.Path + "/sync-settings") { Content = JsonContent.Create(Clever(percent: 40)) };
        fresh.Headers.IfMatch.Add(second.Headers.ETag!);
        Assert.Equal(40, (await (await district.Client.SendAsync(fresh)).ReadAsync()).GetProperty("safetyThresholdPercent").GetInt32());
    }

    [Fact]
    public async Task Patch_merges_into_the_stored_document()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Clever())).EnsureSuccessStatusCode();
        var patch = new StringContent("{\"safetyThresholdPercent\": 25, \"schedule\": null}", Encoding.UTF8);
        patch.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        var patched = await (await district.Client.PatchAsync(district.Path + "/sync-settings", patch)).ReadAsync();
        Assert.Equal(25, patched.GetProperty("safetyThresholdPercent").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, patched.GetProperty("schedule").ValueKind);
        Assert.Equal("remove", patched.Str("abandonedStudents"));
        Assert.True(patched.GetProperty("source").GetProperty("tokenSet").GetBoolean());
    }

    [Fact]
    public async Task A_patch_that_breaks_the_document_is_a_validation_problem()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", Clever())).EnsureSuccessStatusCode();
        await Problem.AssertInvalidAsync(await district.Client.PatchJsonAsync(district.Path + "/sync-settings", new { abandonedStudents = "explode" }), "abandonedStudents");
    }

    [Fact]
    public async Task An_empty_string_removes_a_secret()
    {
        var district = await api.NewDistrictAsync();
        var sftp = new { kind = "oneroster-sftp", host = "sftp.example", username = "u", hostKeyFingerprint = "SHA256:abc", password = "pw", privateKey = "key" };
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", new { source = sftp })).EnsureSuccessStatusCode();
        var saved = await (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings",
            new { source = sftp with { password = "" } })).ReadAsync();
        Assert.False(saved.GetProperty("source").GetProperty("passwordSet").GetBoolean());
        Assert.True(saved.GetProperty("source").GetProperty("privateKeySet").GetBoolean());
    }
}
