using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Auth;

namespace RosterSync.Api.Tests;

[Collection(SharedApi.Name)]
public sealed class DistrictTests(ApiFactory api)
{
    [Fact]
    public async Task Operator_creates_a_district()
    {
        var response = await api.Operator().PostAsJsonAsync("/api/v1/districts", new { name = "Lincoln USD" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var district = await response.ReadAsync();
        Assert.Equal("Lincoln USD", district.Str("name"));
        Assert.Equal($"/api/v1/districts/{district.Id()}", response.Headers.Location?.ToString());
        var read = await (await api.Operator().GetAsync(response.Headers.Location)).ReadAsync();
        Assert.Equal(district.Id(), read.Id());
    }

    [Fact]
    public async Task A_nameless_district_is_a_validation_problem()
    {
        var response = await api.Operator().PostAsJsonAsync("/api/v1/districts", new { name = "" });
        await Problem.AssertInvalidAsync(response, "name");
    }

    [Fact]
    public async Task Districts_list_pages_with_a_cursor()
    {
        for (var i = 0; i < 3; i++) await api.NewDistrictAsync();
        var first = await (await api.Operator().GetAsync("/api/v1/districts?limit=2")).ReadAsync();
        Assert.Equal(2, first.Items().Count);
        var cursor = first.Str("nextCursor");
        Assert.NotNull(cursor);
        var second = await (await api.Operator().GetAsync($"/api/v1/districts?limit=2&cursor={cursor}")).ReadAsync();
        Assert.DoesNotContain(second.Items().Select(d => d.Id()), id => first.Items().Any(f => f.Id() == id));
    }

    [Fact]
    public async Task An_unknown_district_is_a_404_problem_for_the_operator()
    {
        var response = await api.Operator().GetAsync($"/api/v1/districts/{Guid.NewGuid()}/people");
        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_district_key_cannot_manage_districts_or_keys()
    {
        var district = await api.NewDistrictAsync();
        await Problem.AssertAsync(await district.Client.PostAsJsonAsync("/api/v1/districts", new { name = "x" }), HttpStatusCode.Forbidden, "forbidden");
        await Problem.AssertAsync(await district.Client.GetAsync("/api/v1/districts"), HttpStatusCode.Forbidden, "forbidden");
        await Problem.AssertAsync(await district.Client.PostAsJsonAsync(district.Path + "/api-keys", new { name = "x", scopes = new[] { "roster:read" } }),
            HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_district_key_reads_its_own_district()
    {
        var district = await api.NewDistrictAsync(Scopes.RosterRead);
        Assert.Equal(district.Id, (await (await district.Client.GetAsync(district.Path)).ReadAsync()).Id());
    }

    [Fact]
    public async Task Api_key_is_shown_once_and_stored_as_its_sha256()
    {
        var district = await api.NewDistrictAsync();
        var response = await api.Operator().PostAsJsonAsync(district.Path + "/api-keys", new { name = "front end", scopes = new[] { "roster:read" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync();
        var key = created.Str("key")!;
        Assert.StartsWith("rsk_", key);

        await using var db = api.Db();
        var stored = await db.ApiKeys.SingleAsync(k => k.Id == created.Id());
        Assert.Equal(ApiKeys.Hash(key), stored.KeyHash);
        Assert.Equal(64, stored.KeyHash.Length);

        var list = await (await api.Operator().GetAsync(district.Path + "/api-keys")).ReadAsync();
        Assert.DoesNotContain(key, list.ToString());
        Assert.DoesNotContain("keyHash", list.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(list.Items(), k => k.Id() == created.Id() && k.Str("name") == "front end");
    }

    [Fact]
    public async Task Unknown_scopes_are_a_validation_problem()
    {
        var district = await api.NewDistrictAsync();
        var response = await api.Operator().PostAsJsonAsync(district.Path + "/api-keys", new { name = "x", scopes = new[] { "roster:everything" } });
        await Problem.AssertInvalidAsync(response, "scopes");
    }

    [Fact]
    public async Task A_revoked_key_is_refused()
    {
        var district = await api.NewDistrictAsync();
        Assert.Equal(HttpStatusCode.OK, (await district.Client.GetAsync(district.Path + "/people")).StatusCode);
        await using var db = api.Db();
        var keyId = await db.ApiKeys.Where(k => k.DistrictId == district.Id).Select(k => k.Id).SingleAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await api.Operator().DeleteAsync($"{district.Path}/api-keys/{keyId}")).StatusCode);

        await Problem.AssertAsync(await district.Client.GetAsync(district.Path + "/people"), HttpStatusCode.Unauthorized, "unauthorized");
        var listed = (await (await api.Operator().GetAsync(district.Path + "/api-keys")).ReadAsync()).Items().Single(k => k.Id() == keyId);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, listed.GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task Another_districts_key_cannot_be_revoked_through_your_district()
    {
        var mine = await api.NewDistrictAsync();
        var theirs = await api.NewDistrictAsync();
        await using var db = api.Db();
        var theirKey = await db.ApiKeys.Where(k => k.DistrictId == theirs.Id).Select(k => k.Id).SingleAsync();
        await Problem.AssertAsync(await api.Operator().DeleteAsync($"{mine.Path}/api-keys/{theirKey}"), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(HttpStatusCode.OK, (await theirs.Client.GetAsync(theirs.Path + "/people")).StatusCode);
    }
}
