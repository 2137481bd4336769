using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace RosterSync.Api.Tests;

/// <summary>SPEC §5: the schedule's time zone and pauses in the settings document, and what is refused.</summary>
[Collection(SharedApi.Name)]
public sealed class ScheduleSettingsTests(ApiFactory api)
{
    [Fact]
    public async Task A_schedule_time_zone_and_pauses_are_stored_and_read_back()
    {
        var district = await api.NewDistrictAsync();
        var document = new
        {
            source = new { kind = "clever", token = "t" },
            schedule = "0 2 * * *",
            scheduleTimeZone = "America/New_York",
            pauses = new[] { new { from = "2027-06-10", to = "2027-08-20" }, new { from = "2027-12-24", to = "2027-12-24" } },
        };

        var saved = await (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", document)).ReadAsync();

        Assert.Equal("America/New_York", saved.Str("scheduleTimeZone"));
        Assert.Equal("""[{"from":"2027-06-10","to":"2027-08-20"},{"from":"2027-12-24","to":"2027-12-24"}]""", saved.GetProperty("pauses").GetRawText());
        await using var db = api.Db();
        var row = await db.SyncSettings.SingleAsync(s => s.DistrictId == district.Id);
        Assert.Equal(new DateOnly(2027, 8, 20), row.Settings.Pauses[0].To);
    }

    [Fact]
    public async Task Without_a_time_zone_the_schedule_is_read_in_UTC_with_no_pauses()
    {
        var district = await api.NewDistrictAsync();
        var saved = await (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings",
            new { source = new { kind = "clever", token = "t" }, schedule = "0 2 * * *" })).ReadAsync();

        Assert.Equal("UTC", saved.Str("scheduleTimeZone"));
        Assert.Equal(0, saved.GetProperty("pauses").GetArrayLength());
    }

    [Theory]
    [InlineData("\"scheduleTimeZone\":\"Mars/Olympus_Mons\"", "scheduleTimeZone")]
    [InlineData("\"scheduleTimeZone\":\"Eastern Standard Time\"", "scheduleTimeZone")]
    [InlineData("\"scheduleTimeZone\":\"\"", "scheduleTimeZone")]
    [InlineData("\"schedule\":\"0 2 * *\"", "schedule")]
    [InlineData("\"pauses\":[{\"from\":\"2027-08-20\",\"to\":\"2027-06-10\"}]", "pauses[0].from")]
    [InlineData("\"pauses\":[{\"from\":\"2027-06-10\",\"to\":\"2027-06-31\"}]", "pauses[0].to")]
    [InlineData("\"pauses\":[{\"from\":\"2027-06-10\",\"to\":\"2027-06-11\"},{\"to\":\"2027-06-11\"}]", "pauses[1].from")]
    [InlineData("\"pauses\":[null]", "pauses[0]")]
    public async Task A_bad_time_zone_cron_or_pause_is_a_validation_problem_naming_the_member(string member, string field)
    {
        var district = await api.NewDistrictAsync();
        var content = new StringContent($"{{\"source\":{{\"kind\":\"upload\"}},{member}}}", Encoding.UTF8, "application/json");

        await Problem.AssertInvalidAsync(await district.Client.PutAsync(district.Path + "/sync-settings", content), field);

        await using var db = api.Db();
        Assert.False(await db.SyncSettings.AnyAsync(s => s.DistrictId == district.Id));
    }

    [Fact]
    public async Task A_patch_replaces_the_pauses_and_keeps_the_time_zone()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", new
        {
            source = new { kind = "clever", token = "t" }, schedule = "0 2 * * *", scheduleTimeZone = "Europe/Berlin",
            pauses = new[] { new { from = "2027-06-10", to = "2027-08-20" } },
        })).EnsureSuccessStatusCode();

        var patch = new StringContent("{\"pauses\":[{\"from\":\"2028-07-01\",\"to\":\"2028-08-31\"}]}", Encoding.UTF8, "application/merge-patch+json");
        var patched = await (await district.Client.PatchAsync(district.Path + "/sync-settings", patch)).ReadAsync();

        Assert.Equal("Europe/Berlin", patched.Str("scheduleTimeZone"));
        Assert.Equal("""[{"from":"2028-07-01","to":"2028-08-31"}]""", patched.GetProperty("pauses").GetRawText());
    }
}
