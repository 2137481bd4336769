using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Model;

namespace RosterSync.Api.Tests;

[Collection(SharedApi.Name)]
public sealed class ClassTests(ApiFactory api)
{
    [Fact]
    public async Task List_filters_by_status_school_and_homeroom()
    {
        var district = await api.NewDistrictAsync();
        var school = await api.SchoolAsync(district.Id);
        var homeroom = await api.ClassAsync(district.Id, configure: c => { c.IsHomeroom = true; c.SchoolId = school.Id; });
        var archived = await api.ClassAsync(district.Id, configure: c => c.Status = RecordStatus.Archived);
        var plain = await api.ClassAsync(district.Id, Origins.Manual);

        async Task<List<Guid>> Ids(string query) =>
            (await (await district.Client.GetAsync($"{district.Path}/classes?{query}")).ReadAsync()).Items().Select(c => c.Id()).ToList();
        Assert.Equal([homeroom.Id], await Ids("homeroom=true"));
        Assert.Equal(new[] { archived.Id, plain.Id }.Order(), await Ids("homeroom=false"));
        Assert.Equal([archived.Id], await Ids("status=archived"));
        Assert.Equal([homeroom.Id], await Ids($"schoolId={school.Id}"));
        Assert.Equal(3, (await Ids("")).Count);
    }

    [Fact]
    public async Task Post_creates_a_manual_class_that_takes_any_edit()
    {
        var district = await api.NewDistrictAsync();
        var response = await district.Client.PostAsJsonAsync(district.Path + "/classes", new { name = "Study Hall", isHomeroom = true });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync();
        Assert.Equal("manual", created.Str("origin"));
        var edited = await (await district.Client.PatchJsonAsync($"{district.Path}/classes/{created.Id()}", new { name = "Quiet Study", isHomeroom = false, grade = "10" })).ReadAsync();
        Assert.Equal("Quiet Study", edited.Str("name"));
        Assert.False(edited.GetProperty("isHomeroom").GetBoolean());
        Assert.Equal("10", edited.Str("grade"));
    }

    [Fact]
    public async Task R19_a_synced_class_takes_a_new_name_and_co_teachers()
    {
        var district = await api.NewDistrictAsync();
        var synced = await api.ClassAsync(district.Id);
        var teacher = await api.PersonAsync(district.Id, "co@x.org", p => p.Roles = [Roles.Teacher]);
        var edited = await (await district.Client.PatchJsonAsync($"{district.Path}/classes/{synced.Id}", new { name = "Algebra I (B)", coTeacherIds = new[] { teacher.Id } })).ReadAsync();
        Assert.Equal("Algebra I (B)", edited.Str("name"));
        var enrollments = await (await district.Client.GetAsync($"{district.Path}/classes/{synced.Id}/enrollments")).ReadAsync();
        var coTeacher = Assert.Single(enrollments.Items());
        Assert.Equal("co-teacher", coTeacher.Str("role"));
        Assert.Equal("manual", coTeacher.Str("origin"));

        (await district.Client.PatchJsonAsync($"{district.Path}/classes/{synced.Id}", new { coTeacherIds = Array.Empty<Guid>() })).EnsureSuccessStatusCode();
        Assert.Empty((await (await district.Client.GetAsync($"{district.Path}/classes/{synced.Id}/enrollments")).ReadAsync()).Items());
        Assert.Single((await (await district.Client.GetAsync($"{district.Path}/classes/{synced.Id}/enrollments?includeEnded=true")).ReadAsync()).Items());
    }

    [Fact]
    public async Task R19_a_synced_class_refuses_other_fields()
    {
        var district = await api.NewDistrictAsync();
        var synced = await api.ClassAsync(district.Id);
        var problem = await Problem.AssertAsync(await district.Client.PatchJsonAsync($"{district.Path}/classes/{synced.Id}", new { isHomeroom = true, grade = "10", subject = "Math" }),
            HttpStatusCode.Conflict, "synced-class-field");
        Assert.Equal("R19", problem.Str("rule"));
        Assert.Equal(["grade", "subject"], problem.GetProperty("fields").EnumerateObject().Select(f => f.Name));
        Assert.All(problem.GetProperty("fields").EnumerateObject(), f => Assert.Equal("R19", f.Value.GetString()));
        await using var db = api.Db();
        var unchanged = await db.Classes.SingleAsync(c => c.Id == synced.Id);
        Assert.False(unchanged.IsHomeroom);
        Assert.Equal("09", unchanged.Grade);
    }

    [Fact]
    public async Task R19_an_admin_marks_a_synced_class_as_the_homeroom()
    {
        var district = await api.NewDistrictAsync();
        var synced = await api.ClassAsync(district.Id);
        var edited = await (await district.Client.PatchJsonAsync($"{district.Path}/classes/{synced.Id}", new { isHomeroom = true })).ReadAsync();
        Assert.True(edited.GetProperty("isHomeroom").GetBoolean());
        Assert.Equal("synced", edited.Str("origin"));
        Assert.Equal([synced.Id], (await (await district.Client.GetAsync($"{district.Path}/classes?homeroom=true")).ReadAsync()).Items().Select(c => c.Id()));
        var history = await (await district.Client.GetAsync($"{district.Path}/classes/{synced.Id}/history")).ReadAsync();
        var entry = Assert.Single(history.Items());
        Assert.Equal("isHomeroom", entry.Str("field"));
        Assert.Equal("R19", entry.Str("rule"));
    }

    [Fact]
    public async Task R19_a_student_is_not_enrolled_by_hand_into_a_synced_class()
    {
        var district = await api.NewDistrictAsync();
        var synced = await api.ClassAsync(district.Id);
        var student = await api.PersonAsync(district.Id, "kid@x.org");
        var problem = await Problem.AssertAsync(await district.Client.PostAsJsonAsync($"{district.Path}/classes/{synced.Id}/enrollments", new { personId = student.Id, role = "student" }),
            HttpStatusCode.Conflict, "synced-class-student");
        Assert.Equal("R19", problem.Str("rule"));
        await using var db = api.Db();
        Assert.False(await db.Enrollments.AnyAsync(e => e.ClassId == synced.Id));
    }

    [Fact]
    public async Task Manual_enrollment_into_a_manual_class_and_of_an_aide_into_a_synced_class()
    {
        var district = await api.NewDistrictAsync();
        var manual = await api.ClassAsync(district.Id, Origins.Manual);
        var synced = await api.ClassAsync(district.Id);
        var student = await api.PersonAsync(district.Id, "kid@x.org");
        var aide = await api.PersonAsync(district.Id, "aide@x.org", p => p.Roles = [Roles.Staff]);

        var response = await district.Client.PostAsJsonAsync($"{district.Path}/classes/{manual.Id}/enrollments", new { personId = student.Id, role = "student" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var enrollment = await response.ReadAsync();
        Assert.Equal("manual", enrollment.Str("origin"));
        Assert.True(enrollment.GetProperty("active").GetBoolean());
        await Problem.AssertAsync(await district.Client.PostAsJsonAsync($"{district.Path}/classes/{manual.Id}/enrollments", new { personId = student.Id, role = "student" }),
            HttpStatusCode.Conflict, "already-exists");

        Assert.Equal(HttpStatusCode.Created,
            (await district.Client.PostAsJsonAsync($"{district.Path}/classes/{synced.Id}/enrollments", new { personId = aide.Id, role = "aide" })).StatusCode);
    }

    [Fact]
    public async Task Enrollment_of_another_districts_person_is_a_validation_problem()
    {
        var district = await api.NewDistrictAsync();
        var other = await api.NewDistrictAsync();
        var manual = await api.ClassAsync(district.Id, Origins.Manual);
        var stranger = await api.PersonAsync(other.Id, "kid@x.org");
        await Problem.AssertInvalidAsync(await district.Client.PostAsJsonAsync($"{district.Path}/classes/{manual.Id}/enrollments", new { personId = stranger.Id, role = "student" }), "personId");
        await Problem.AssertInvalidAsync(await district.Client.PostAsJsonAsync($"{district.Path}/classes/{manual.Id}/enrollments", new { personId = stranger.Id, role = "principal" }), "role");
    }

    [Fact]
    public async Task Patch_with_a_stale_if_match_is_a_412_problem()
    {
        var district = await api.NewDistrictAsync();
        var synced = await api.ClassAsync(district.Id);
        var read = await district.Client.GetAsync($"{district.Path}/classes/{synced.Id}");
        (await district.Client.PatchJsonAsync($"{district.Path}/classes/{synced.Id}", new { name = "First" })).EnsureSuccessStatusCode();
        var stale = new HttpRequestMessage(HttpMethod.Patch, $"{district.Path}/classes/{synced.Id}") { Content = JsonContent.Create(new { name = "Second" }) };
        stale.Headers.IfMatch.Add(read.Headers.ETag!);
        await Problem.AssertAsync(await district.Client.SendAsync(stale), HttpStatusCode.PreconditionFailed, "precondition-failed");
    }

    [Fact]
    public async Task History_records_manual_edits_with_the_rule()
    {
        var district = await api.NewDistrictAsync();
        var synced = await api.ClassAsync(district.Id);
        (await district.Client.PatchJsonAsync($"{district.Path}/classes/{synced.Id}", new { name = "Renamed" })).EnsureSuccessStatusCode();
        var entry = Assert.Single((await (await district.Client.GetAsync($"{district.Path}/classes/{synced.Id}/history")).ReadAsync()).Items());
        Assert.Equal("name", entry.Str("field"));
        Assert.Equal("Algebra I", entry.Str("before"));
        Assert.Equal("Renamed", entry.Str("after"));
        Assert.Equal("R19", entry.Str("rule"));
    }
}

[Collection(SharedApi.Name)]
public sealed class SchoolTests(ApiFactory api)
{
    [Fact]
    public async Task Schools_are_created_listed_read_and_renamed()
    {
        var district = await api.NewDistrictAsync();
        var response = await district.Client.PostAsJsonAsync(district.Path + "/schools", new { name = "Lincoln High", identifier = "LHS" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var school = await response.ReadAsync();
        Assert.Equal("manual", school.Str("origin"));
        Assert.Equal("LHS", school.Str("identifier"));
        Assert.True(school.GetProperty("sourceIds").TryGetProperty("oneroster", out _));

        var renamed = await (await district.Client.PatchJsonAsync($"{district.Path}/schools/{school.Id()}", new { name = "Lincoln High School" })).ReadAsync();
        Assert.Equal("Lincoln High School", renamed.Str("name"));
        Assert.Equal("Lincoln High School", (await (await district.Client.GetAsync($"{district.Path}/schools/{school.Id()}")).ReadAsync()).Str("name"));
        var list = await (await district.Client.GetAsync($"{district.Path}/schools")).ReadAsync();
        Assert.Equal(school.Id(), Assert.Single(list.Items()).Id());
        Assert.Null(list.Str("nextCursor"));
    }

    [Fact]
    public async Task A_school_needs_a_name()
    {
        var district = await api.NewDistrictAsync();
        await Problem.AssertInvalidAsync(await district.Client.PostAsJsonAsync(district.Path + "/schools", new { identifier = "X" }), "name");
    }
}
