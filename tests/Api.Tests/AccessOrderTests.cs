using System.Net;
using System.Net.Http.Json;
using RosterSync.Api.Auth;

namespace RosterSync.Api.Tests;

/// <summary>Issue 6's order of checks: district (404), then scope (403), then validation (400), then preconditions.</summary>
[Collection(SharedApi.Name)]
public sealed class AccessOrderTests(ApiFactory api)
{
    [Fact]
    public async Task Another_districts_id_is_404_even_without_the_scope()
    {
        var reader = await api.NewDistrictAsync(Scopes.RosterRead);
        var other = await api.NewDistrictAsync();
        var response = await reader.Client.PostAsJsonAsync(other.Path + "/people", new { });
        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Another_districts_record_under_your_path_is_404_even_without_the_scope()
    {
        var reader = await api.NewDistrictAsync(Scopes.RosterRead);
        var other = await api.NewDistrictAsync();
        var theirs = await (await other.Client.PostAsJsonAsync(other.Path + "/people",
            new { email = "x@other.example", givenName = "X", familyName = "Y", roles = new[] { "teacher" } })).ReadAsync();

        await Problem.AssertAsync(await reader.Client.GetAsync($"{reader.Path}/people/{theirs.Id()}"), HttpStatusCode.NotFound, "not-found");
        await Problem.AssertAsync(await reader.Client.GetAsync($"{reader.Path}/people/{theirs.Id()}/classes"), HttpStatusCode.NotFound, "not-found");
        await Problem.AssertAsync(await reader.Client.PatchJsonAsync($"{reader.Path}/people/{theirs.Id()}", new { email = "bad" }),
            HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_person_asked_for_without_roster_read_is_404_when_another_districts_and_403_when_your_own()
    {
        var settingsOnly = await api.NewDistrictAsync(Scopes.SettingsWrite);
        var writer = await api.NewDistrictAsync(Scopes.RosterWrite);
        var mine = await (await writer.Client.PostAsJsonAsync(writer.Path + "/people",
            new { email = "m@mine.example", givenName = "M", familyName = "N", roles = new[] { "teacher" } })).ReadAsync();
        var other = await api.NewDistrictAsync();
        var theirs = await (await other.Client.PostAsJsonAsync(other.Path + "/people",
            new { email = "t@other.example", givenName = "T", familyName = "U", roles = new[] { "teacher" } })).ReadAsync();

        await Problem.AssertAsync(await settingsOnly.Client.GetAsync($"{settingsOnly.Path}/people/{theirs.Id()}"), HttpStatusCode.NotFound, "not-found");
        await Problem.AssertAsync(await writer.Client.GetAsync($"{writer.Path}/people/{theirs.Id()}"), HttpStatusCode.NotFound, "not-found");
        await Problem.AssertAsync(await writer.Client.GetAsync($"{writer.Path}/people/{mine.Id()}"), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Missing_scope_is_403_before_validation()
    {
        var reader = await api.NewDistrictAsync(Scopes.RosterRead);
        var response = await reader.Client.PostAsJsonAsync(reader.Path + "/people", new { email = "not an email" });
        await Problem.AssertAsync(response, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_403_names_the_scope_the_operation_needs_so_a_new_user_knows_which_key_to_make()
    {
        // Issue 14 walk: run.sh's demo key had no events:read, and the feed answered only "This key may not do that".
        var reader = await api.NewDistrictAsync(Scopes.RosterRead);
        var problem = await Problem.AssertAsync(await reader.Client.GetAsync(reader.Path + "/events"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("'events:read'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        problem = await Problem.AssertAsync(await reader.Client.GetAsync(reader.Path + "/api-keys"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("operator key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_is_400_with_errors_by_field()
    {
        var writer = await api.NewDistrictAsync(Scopes.RosterWrite);
        var response = await writer.Client.PostAsJsonAsync(writer.Path + "/people", new { email = "not an email", roles = new[] { "wizard" } });
        var problem = await Problem.AssertInvalidAsync(response, "email");
        Assert.True(problem.GetProperty("errors").TryGetProperty("roles", out _));
    }

    [Fact]
    public async Task Each_scope_opens_its_own_routes()
    {
        var reader = await api.NewDistrictAsync(Scopes.RosterRead);
        Assert.Equal(HttpStatusCode.OK, (await reader.Client.GetAsync(reader.Path + "/people")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.Client.GetAsync(reader.Path + "/sync-runs")).StatusCode);
        await Problem.AssertAsync(await reader.Client.GetAsync(reader.Path + "/sync-settings"), HttpStatusCode.Forbidden, "forbidden");
        await Problem.AssertAsync(await reader.Client.PostAsJsonAsync(reader.Path + "/sync-runs", new { dryRun = false }), HttpStatusCode.Forbidden, "forbidden");

        var settings = await api.NewDistrictAsync(Scopes.SettingsWrite);
        Assert.Equal(HttpStatusCode.OK, (await settings.Client.GetAsync(settings.Path + "/sync-settings")).StatusCode);
        await Problem.AssertAsync(await settings.Client.GetAsync(settings.Path + "/people"), HttpStatusCode.Forbidden, "forbidden");
    }
}
