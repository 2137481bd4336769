using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using static RosterSync.Api.Tests.Export.Registrations;

namespace RosterSync.Api.Tests.Export;

/// <summary>SPEC §6 registrations: answers validated against the field catalogue, statuses with history, lists with filters and paging.</summary>
[Collection(SharedApi.Name)]
public sealed class RegistrationTests(ApiFactory api)
{
    [Fact]
    public async Task A_draft_may_be_partial_but_a_submitted_registration_answers_every_required_field()
    {
        var district = await api.NewDistrictAsync(AllScopes);
        var school = await api.SchoolAsync(district.Id);

        var draft = await CreateAsync(district, school.Id, new { student = new { firstName = "Ana" } }, "draft");
        Assert.Equal("draft", draft.Str("status"));

        var response = await district.Client.PostAsJsonAsync(district.Path + "/registrations",
            new { schoolId = school.Id, status = "submitted", answers = new { student = new { firstName = "Ana" } } });
        var problem = await Problem.AssertInvalidAsync(response, "answers.student.birthDate");
        Assert.True(problem.GetProperty("errors").TryGetProperty("answers.enrollment.grade", out _));
    }

    [Fact]
    public async Task Answers_are_checked_against_the_catalogue_fields_types_and_options()
    {
        var district = await api.NewDistrictAsync(AllScopes);
        var school = await api.SchoolAsync(district.Id);
        var response = await district.Client.PostAsJsonAsync(district.Path + "/registrations", new
        {
            schoolId = school.Id, status = "draft",
            answers = new { student = new { birthDate = "31/31/2007", gender = "F", shoeSize = "9" }, enrollment = new { grade = "13" } },
        });
        var errors = (await Problem.AssertInvalidAsync(response, "answers.student.birthDate")).GetProperty("errors");
        foreach (var field in new[] { "answers.student.gender", "answers.student.shoeSize", "answers.enrollment.grade" })
            Assert.True(errors.TryGetProperty(field, out _), field);

        var fields = await (await district.Client.GetAsync(district.Path + "/registration-fields")).ReadAsync();
        Assert.Contains(fields.GetProperty("fields").EnumerateArray(), f => f.Str("id") == "guardian1.phone" && f.Str("section") == "guardian1");
    }

    [Fact]
    public async Task Status_changes_follow_the_workflow_and_are_recorded_in_history()
    {
        var district = await api.NewDistrictAsync(AllScopes);
        var school = await api.SchoolAsync(district.Id);
        var id = (await CreateAsync(district, school.Id, Answers(), "draft")).Id();

        await Problem.AssertAsync(await district.Client.PostAsJsonAsync($"{district.Path}/registrations/{id}/status", new { status = "approved" }),
            HttpStatusCode.Conflict, "registration-state");
        await SetStatusAsync(district, id, "submitted");
        var approved = await SetStatusAsync(district, id, "approved");
        Assert.Equal("approved", approved.Str("status"));
        await Problem.AssertAsync(await district.Client.PostAsJsonAsync($"{district.Path}/registrations/{id}/status", new { status = "rejected" }),
            HttpStatusCode.Conflict, "registration-state");

        var history = (await (await district.Client.GetAsync($"{district.Path}/registrations/{id}/history")).ReadAsync()).Items();
        Assert.Equal([(null, "draft"), ("draft", "submitted"), ("submitted", "approved")],
            history.Where(h => h.Str("field") == "status").Select(h => (h.Str("before"), h.Str("after"))).Reverse());
    }

    [Fact]
    public async Task Approval_creates_the_student_in_the_school_or_links_the_person_with_that_email()
    {
        var district = await api.NewDistrictAsync(AllScopes);
        var school = await api.SchoolAsync(district.Id);
        var created = await SetStatusAsync(district, (await CreateAsync(district, school.Id, Answers(email: "new.kid@x.org"))).Id(), "approved");
        var person = await (await district.Client.GetAsync($"{district.Path}/people/{created.GetProperty("personId").GetGuid()}")).ReadAsync();
        Assert.Equal(("new.kid@x.org", "Ana", "student", "09"), (person.Str("email"), person.Str("givenName"), person.GetProperty("roles")[0].GetString(), person.Str("grade")));
        Assert.Equal(school.Id, person.GetProperty("schoolIds")[0].GetGuid());

        var existing = await api.PersonAsync(district.Id, "known.kid@x.org");
        var linked = await SetStatusAsync(district, (await CreateAsync(district, school.Id, Answers(email: "Known.Kid@X.org"))).Id(), "approved");
        Assert.Equal(existing.Id, linked.GetProperty("personId").GetGuid());
        await using var db = api.Db();
        Assert.Equal(2, await db.People.CountAsync(p => p.DistrictId == district.Id));
    }

    [Fact]
    public async Task R19_with_manualStudents_deny_approval_creates_no_student_but_still_links_the_person_with_that_email()
    {
        var district = await api.NewDistrictAsync(AllScopes);
        var school = await api.SchoolAsync(district.Id);
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", new { source = new { kind = "clever", token = "t" }, manualStudents = "deny" }))
            .EnsureSuccessStatusCode();

        // Students come from the sync: the registration is approved (and exportable), the SIS's student arrives with the next sync.
        var approved = await SetStatusAsync(district, (await CreateAsync(district, school.Id, Answers(email: "new.kid@x.org"))).Id(), "approved");
        Assert.Equal(("approved", JsonValueKind.Null), (approved.Str("status"), approved.GetProperty("personId").ValueKind));
        await using (var db = api.Db())
            Assert.False(await db.People.AnyAsync(p => p.DistrictId == district.Id));

        var existing = await api.PersonAsync(district.Id, "known.kid@x.org");
        var linked = await SetStatusAsync(district, (await CreateAsync(district, school.Id, Answers(email: "known.kid@x.org"))).Id(), "approved");
        Assert.Equal(existing.Id, linked.GetProperty("personId").GetGuid());
    }

    [Fact]
    public async Task Lists_filter_by_status_school_and_grade_with_cursor_paging()
    {
        var district = await api.NewDistrictAsync(AllScopes);
        var north = await api.SchoolAsync(district.Id, "North");
        var south = await api.SchoolAsync(district.Id, "South");
        await CreateAsync(district, north.Id, Answers(grade: "09"));
        await CreateAsync(district, north.Id, Answers(grade: "10"));
        await CreateAsync(district, south.Id, Answers(grade: "09"));
        await CreateAsync(district, south.Id, Answers(grade: "09"), "draft");

        async Task<int> Count(string query) => (await (await district.Client.GetAsync($"{district.Path}/registrations?{query}")).ReadAsync()).Items().Count;
        Assert.Equal(3, await Count("status=submitted"));
        Assert.Equal(2, await Count($"schoolId={north.Id}"));
        Assert.Equal(2, await Count("grade=09&status=submitted"));

        var first = await (await district.Client.GetAsync($"{district.Path}/registrations?grade=09&limit=2")).ReadAsync();
        Assert.Equal(2, first.Items().Count);
        var second = await (await district.Client.GetAsync($"{district.Path}/registrations?grade=09&limit=2&cursor={first.Str("nextCursor")}")).ReadAsync();
        Assert.Single(second.Items());
        Assert.Null(second.Str("nextCursor"));
        await Problem.AssertInvalidAsync(await district.Client.GetAsync($"{district.Path}/registrations?status=lost"), "status");
    }

    [Fact]
    public async Task Writing_registrations_needs_the_registrations_write_scope()
    {
        var district = await api.NewDistrictAsync("roster:read", "roster:write");
        var school = await api.SchoolAsync(district.Id);
        await Problem.AssertAsync(await district.Client.PostAsJsonAsync(district.Path + "/registrations", new { schoolId = school.Id, answers = new { } }),
            HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await district.Client.GetAsync(district.Path + "/registrations")).StatusCode);
    }
}
