using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Model;

namespace RosterSync.Api.Tests;

/// <summary>Issue 9: a PATCH never ignores what it cannot change, a cursor pages only its own list, schools take If-Match.</summary>
[Collection(SharedApi.Name)]
public sealed class ApiTrustTests(ApiFactory api)
{
    [Fact]
    public async Task Patch_person_with_read_only_or_unknown_members_is_a_400_naming_each_and_changes_nothing()
    {
        var district = await api.NewDistrictAsync();
        var teacher = await api.PersonAsync(district.Id, "t@x.org", p => { p.Roles = [Roles.Teacher]; p.Origin = Origins.Manual; });
        var response = await district.Client.PatchJsonAsync($"{district.Path}/people/{teacher.Id}",
            new { room = "B12", status = "archived", roles = new[] { "administrator" }, districtId = Guid.NewGuid(), nickname = "T" });
        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "validation");
        var errors = problem.GetProperty("errors");
        Assert.Equal(["districtId", "nickname", "roles", "status"], errors.EnumerateObject().Select(e => e.Name).Order());
        Assert.Contains("room", errors.GetProperty("status")[0].GetString());

        await using var db = api.Db();
        var unchanged = await db.People.SingleAsync(p => p.Id == teacher.Id);
        Assert.Null(unchanged.Room);
        Assert.Equal(RecordStatus.Active, unchanged.Status);
        Assert.Equal([Roles.Teacher], unchanged.Roles);
    }

    [Fact]
    public async Task Patch_class_and_school_refuse_members_they_cannot_change_the_same_way()
    {
        var district = await api.NewDistrictAsync();
        var school = await api.SchoolAsync(district.Id);
        var manual = await api.ClassAsync(district.Id, Origins.Manual);

        var classProblem = await Problem.AssertInvalidAsync(
            await district.Client.PatchJsonAsync($"{district.Path}/classes/{manual.Id}", new { name = "New", status = "archived", schoolId = school.Id }), "status");
        Assert.True(classProblem.GetProperty("errors").TryGetProperty("schoolId", out _));
        var schoolProblem = await Problem.AssertInvalidAsync(
            await district.Client.PatchJsonAsync($"{district.Path}/schools/{school.Id}", new { name = "New", identifier = "X1", origin = "manual" }), "identifier");
        Assert.True(schoolProblem.GetProperty("errors").TryGetProperty("origin", out _));

        await using var db = api.Db();
        Assert.Equal("Algebra I", (await db.Classes.SingleAsync(c => c.Id == manual.Id)).Name);
        Assert.Equal("Lincoln High", (await db.Schools.SingleAsync(s => s.Id == school.Id)).Name);
    }

    [Fact]
    public async Task A_cursor_pages_only_the_list_that_handed_it_out()
    {
        var first = await api.NewDistrictAsync();
        var second = await api.NewDistrictAsync();
        foreach (var district in new[] { first, second })
            for (var i = 0; i < 3; i++)
                await api.PersonAsync(district.Id, $"p{i}-{Guid.NewGuid():N}@x.org");

        var page = await (await first.Client.GetAsync($"{first.Path}/people?limit=1&role=student")).ReadAsync();
        var cursor = page.Str("nextCursor")!;
        var next = await (await first.Client.GetAsync($"{first.Path}/people?limit=2&role=student&cursor={cursor}")).ReadAsync();
        Assert.Equal(2, next.Items().Count);

        await Problem.AssertInvalidAsync(await second.Client.GetAsync($"{second.Path}/people?limit=1&role=student&cursor={cursor}"), "cursor");
        await Problem.AssertInvalidAsync(await first.Client.GetAsync($"{first.Path}/classes?limit=1&cursor={cursor}"), "cursor");
        await Problem.AssertInvalidAsync(await first.Client.GetAsync($"{first.Path}/people?limit=1&role=teacher&cursor={cursor}"), "cursor");
        await Problem.AssertInvalidAsync(await first.Client.GetAsync($"{first.Path}/people?limit=1&cursor={cursor}"), "cursor");
        await Problem.AssertInvalidAsync(await first.Client.GetAsync($"{first.Path}/people?limit=1&role=student&cursor=AAAAAAAAAAAAAAAAAAAAAA"), "cursor");
    }

    [Fact]
    public async Task A_schools_etag_guards_its_patch_like_a_persons()
    {
        var district = await api.NewDistrictAsync();
        var school = await api.SchoolAsync(district.Id);
        var read = await district.Client.GetAsync($"{district.Path}/schools/{school.Id}");
        var etag = read.Headers.ETag;
        Assert.NotNull(etag);

        var renamed = await district.Client.SendAsync(IfMatch($"{district.Path}/schools/{school.Id}", new { name = "Lincoln High School" }, etag));
        Assert.Equal("Lincoln High School", (await renamed.ReadAsync()).Str("name"));
        Assert.NotNull(renamed.Headers.ETag);
        Assert.NotEqual(etag, renamed.Headers.ETag);

        await Problem.AssertAsync(await district.Client.SendAsync(IfMatch($"{district.Path}/schools/{school.Id}", new { name = "Stale" }, etag)),
            HttpStatusCode.PreconditionFailed, "precondition-failed");
        await using var db = api.Db();
        Assert.Equal("Lincoln High School", (await db.Schools.SingleAsync(s => s.Id == school.Id)).Name);

        var again = await district.Client.SendAsync(IfMatch($"{district.Path}/schools/{school.Id}", new { name = "Lincoln HS" }, renamed.Headers.ETag!));
        Assert.Equal("Lincoln HS", (await again.ReadAsync()).Str("name"));
        Assert.Equal(again.Headers.ETag, (await district.Client.GetAsync($"{district.Path}/schools/{school.Id}")).Headers.ETag);
    }

    private static HttpRequestMessage IfMatch(string uri, object body, System.Net.Http.Headers.EntityTagHeaderValue etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, uri) { Content = JsonContent.Create(body) };
        request.Headers.IfMatch.Add(etag);
        return request;
    }
}
