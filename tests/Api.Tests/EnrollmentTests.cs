using System.Net;
using System.Net.Http.Json;
using RosterSync.Domain.Model;

namespace RosterSync.Api.Tests;

[Collection(SharedApi.Name)]
public sealed class EnrollmentTests(ApiFactory api)
{
    [Fact]
    public async Task The_districts_enrollments_filter_by_person_class_and_role_and_page_in_id_order()
    {
        var district = await api.NewDistrictAsync();
        var algebra = await api.ClassAsync(district.Id, Origins.Manual);
        var biology = await api.ClassAsync(district.Id, Origins.Manual);
        var kid = await api.PersonAsync(district.Id, "kid@x.org");
        var teacher = await api.PersonAsync(district.Id, "teach@x.org", p => p.Roles = [Roles.Teacher]);
        var ids = new List<Guid>();
        foreach (var (cls, person, role) in new[] { (algebra, kid, "student"), (biology, kid, "student"), (algebra, teacher, "teacher") })
            ids.Add((await (await district.Client.PostAsJsonAsync($"{district.Path}/classes/{cls.Id}/enrollments", new { personId = person.Id, role })).ReadAsync()).Id());

        async Task<List<Guid>> ListAsync(string query) =>
            [.. (await (await district.Client.GetAsync($"{district.Path}/enrollments?{query}")).ReadAsync()).Items().Select(e => e.Id())];

        Assert.Equal(ids.Order(), await ListAsync(""));
        Assert.Equal([ids[0], ids[1]], (await ListAsync($"personId={kid.Id}")).Order());
        Assert.Equal([ids[0], ids[2]], (await ListAsync($"classId={algebra.Id}")).Order());
        Assert.Equal([ids[2]], await ListAsync("role=teacher"));
        var first = await (await district.Client.GetAsync($"{district.Path}/enrollments?limit=2")).ReadAsync();
        var second = await (await district.Client.GetAsync($"{district.Path}/enrollments?limit=2&cursor={first.Str("nextCursor")}")).ReadAsync();
        Assert.Equal(ids.Order(), first.Items().Concat(second.Items()).Select(e => e.Id()));
        Assert.Null(second.Str("nextCursor"));

        var one = await (await district.Client.GetAsync($"{district.Path}/enrollments/{ids[2]}")).ReadAsync();
        Assert.Equal((teacher.Id, algebra.Id, "teacher"), (one.GetProperty("personId").GetGuid(), one.GetProperty("classId").GetGuid(), one.Str("role")));
    }

    [Fact]
    public async Task Another_districts_enrollment_is_404_and_a_bad_role_is_a_validation_problem()
    {
        var mine = await api.NewDistrictAsync();
        var other = await api.NewDistrictAsync();
        var cls = await api.ClassAsync(other.Id, Origins.Manual);
        var kid = await api.PersonAsync(other.Id, "kid@x.org");
        var theirs = (await (await other.Client.PostAsJsonAsync($"{other.Path}/classes/{cls.Id}/enrollments", new { personId = kid.Id, role = "student" })).ReadAsync()).Id();

        await Problem.AssertAsync(await mine.Client.GetAsync($"{mine.Path}/enrollments/{theirs}"), HttpStatusCode.NotFound, "not-found");
        Assert.Empty((await (await mine.Client.GetAsync($"{mine.Path}/enrollments?personId={kid.Id}")).ReadAsync()).Items());
        await Problem.AssertInvalidAsync(await mine.Client.GetAsync($"{mine.Path}/enrollments?role=principal"), "role");
    }

    [Fact]
    public async Task An_enrollment_made_by_hand_is_ended_by_hand_and_a_synced_one_is_refused_under_R19()
    {
        var district = await api.NewDistrictAsync();
        var synced = await api.ClassAsync(district.Id);
        var teacher = await api.PersonAsync(district.Id, "teach@x.org", p => p.Roles = [Roles.Teacher]);
        var kid = await api.PersonAsync(district.Id, "kid@x.org");
        var created = await district.Client.PostAsJsonAsync($"{district.Path}/classes/{synced.Id}/enrollments", new { personId = teacher.Id, role = "co-teacher" });
        var manual = (await created.ReadAsync()).Id();
        Assert.Equal($"{district.Path}/enrollments/{manual}", created.Headers.Location?.ToString());
        var fromSource = new Enrollment
        {
            Id = Guid.CreateVersion7(), DistrictId = district.Id, ClassId = synced.Id, PersonId = kid.Id, Role = EnrollmentRoles.Student, CreatedAt = DateTimeOffset.UtcNow,
        };
        await api.AddAsync(fromSource);

        Assert.Equal(HttpStatusCode.NoContent, (await district.Client.DeleteAsync($"{district.Path}/classes/{synced.Id}/enrollments/{manual}")).StatusCode);
        var refused = await Problem.AssertAsync(await district.Client.DeleteAsync($"{district.Path}/classes/{synced.Id}/enrollments/{fromSource.Id}"),
            HttpStatusCode.Conflict, "synced-link");
        Assert.Equal("R19", refused.Str("rule"));

        var ended = await (await district.Client.GetAsync($"{district.Path}/enrollments/{manual}")).ReadAsync();
        Assert.False(ended.GetProperty("active").GetBoolean());
        Assert.Equal([fromSource.Id], (await (await district.Client.GetAsync($"{district.Path}/classes/{synced.Id}/enrollments")).ReadAsync()).Items().Select(e => e.Id()));
    }
}
