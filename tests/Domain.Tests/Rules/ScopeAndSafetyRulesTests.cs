using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using static RosterSync.Domain.Tests.Rules.B;

namespace RosterSync.Domain.Tests.Rules;

public class ScopeAndSafetyRulesTests
{
    [Fact]
    public void R17_student_belongs_only_to_its_primary_school()
    {
        var student = Student("s1", "a@x.org") with { };
        student = new(student.SourceId, student.Email, "A", "B", null, [Roles.Student], "09", null, null, null, null, ["sch-2", "sch-1"], Row);
        var plan = Plan(Snap(student));

        var membership = Assert.Single(plan.Memberships);
        Assert.Equal(plan.Schools.Single(s => s.Links.OneRoster == "sch-2").Id, membership.TargetId);
    }

    [Fact]
    public void R17_school_mappings_merge_source_schools_into_one_district_school()
    {
        var district = new SchoolRecord { Id = Guid.NewGuid(), Name = "Lincoln Campus", Origin = Origins.Manual };
        var settings = SyncSettings.Default with
        {
            SchoolMappings = [new SchoolMapping("sch-1", district.Id), new SchoolMapping("sch-2", district.Id)],
        };
        var plan = Planner.Plan(Snap(Student("s1", "a@x.org", school: "sch-1"), Teacher("t1", "t@x.org", "sch-1", "sch-2")),
            new RosterState { Schools = [district] }, settings);

        Assert.Empty(plan.Schools);
        Assert.All(plan.Memberships, m => Assert.Equal(district.Id, m.TargetId));
        Assert.Equal(2, plan.Memberships.Count);
    }

    [Fact]
    public void R18_filters_choose_roles_schools_and_homeroom_classes()
    {
        var settings = SyncSettings.Default with { Filters = new SyncFilters { Roles = [Roles.Student], HomeroomOnly = true } };
        var plan = Plan(Snap([Student("s1", "a@x.org"), Teacher("t1", "t@x.org")], [Class("hr", homeroom: true), Class("alg")], []), settings: settings);

        Assert.Equal(["s1"], plan.People.Select(p => p.Links.OneRoster));
        Assert.Equal(["hr"], plan.Classes.Select(c => c.Links.OneRoster));
    }

    [Fact]
    public void R18_filtered_out_records_are_not_abandoned_unless_abandonFiltered()
    {
        var state = RosterState.Empty.Sync(Snap(Student("s1", "a@x.org"), Teacher("t1", "t@x.org")));
        var onlyStudents = SyncSettings.Default with { Filters = new SyncFilters { Roles = [Roles.Student] } };
        var incoming = Snap(Student("s1", "a@x.org"), Teacher("t1", "t@x.org"));

        Assert.Empty(Plan(incoming, state, onlyStudents).Of(Entities.Person, ChangeActions.Removed));
        Assert.Single(Plan(incoming, state, onlyStudents with { AbandonFiltered = true }).Of(Entities.Person, ChangeActions.Removed));
    }

    [Fact]
    public void R20_the_plan_lists_every_change_with_entity_record_field_and_rule()
    {
        var plan = Plan(Snap([Student("s1", "a@x.org")], [Class("c1")], [Enroll("c1", "s1")]));

        Assert.All(plan.Changes, c => Assert.False(string.IsNullOrEmpty(c.Rule)));
        Assert.Equal(
            [Entities.Class, Entities.Enrollment, Entities.Membership, Entities.Person, Entities.School],
            plan.Changes.Select(c => c.Entity).Distinct().Order());
        Assert.All(plan.Changes, c => Assert.NotNull(c.RecordId));
    }

    [Fact]
    public void R21_removing_more_than_the_threshold_stops_for_approval()
    {
        var people = Enumerable.Range(0, 20).Select(i => Student($"s{i}", $"s{i}@x.org")).ToArray();
        var state = RosterState.Empty.Sync(Snap(people));

        var truncated = Plan(Snap(people.Take(10).ToArray()), state);
        Assert.NotNull(truncated.SafetyStop);
        Assert.Contains("10 of 20 active person", truncated.SafetyStop);

        var fewLost = Plan(Snap(people.Take(19).ToArray()), state);
        Assert.Null(fewLost.SafetyStop);
    }

    [Fact]
    public void R21_needs_both_the_percentage_and_the_minimum()
    {
        var settings = SyncSettings.Default;
        Assert.False(SafetyCheck.Exceeds(5, 10, settings));   // 50 % but not more than 5
        Assert.True(SafetyCheck.Exceeds(6, 10, settings));
        Assert.False(SafetyCheck.Exceeds(6, 100, settings));  // more than 5 but only 6 %
    }

    [Fact]
    public void R23_re_running_the_same_snapshot_changes_nothing()
    {
        var snapshot = Snap([Student("s1", "a@x.org"), Teacher("t1", "t@x.org"), Guardian("g1", "g@x.org")],
            [Class("c1")], [Enroll("c1", "s1"), Enroll("c1", "t1", EnrollmentRoles.Teacher)], [Link("g1", "s1")]);
        var state = RosterState.Empty.Sync(snapshot);

        var again = Plan(snapshot, state);

        Assert.Empty(again.Changes);
        Assert.False(again.HasWrites);
        Assert.Equal(3, again.Counts.People.Unchanged);
    }

    [Fact]
    public void R22_a_row_the_reader_could_not_read_is_reported_under_R22_and_its_record_is_not_abandoned()
    {
        var state = RosterState.Empty.Sync(Snap(Student("s1", "a@x.org"), Student("s2", "b@x.org")));
        var incoming = Snap(Student("s1", "a@x.org"));
        incoming.Skipped.Add(new SourceSkip(SnapshotKinds.People, "s2", new("users.csv", 3)));
        incoming.Issues.Add(new SourceIssue(Severities.Error, null, Entities.Person, "s2", new("users.csv", 3), "The user has no role; skipped"));

        var plan = Plan(incoming, state);

        Assert.Equal(("R22", "users.csv", 3, "s2"), Assert.Single(plan.Issues) is var i ? (i.Rule, i.File, i.Row, i.SourceId) : default);
        Assert.Empty(plan.Of(Entities.Person, ChangeActions.Archived));
    }
}
