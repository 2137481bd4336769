using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using static RosterSync.Domain.Tests.Rules.B;

namespace RosterSync.Domain.Tests.Rules;

/// <summary>Matching decides presence before absence (R2, R3); every absent record is changed or kept under a named rule (R14).</summary>
public class PresenceAndAbsenceRulesTests
{
    private static SourcePerson Kid(int i, string? id = null) => Student(id ?? $"s{i}", $"kid{i}@x.org");

    [Fact]
    public void R2_an_id_change_never_archives_the_person()
    {
        var state = RosterState.Empty.Sync(Snap(Enumerable.Range(1, 16).Select(i => Kid(i)).ToArray()));
        // Students 1–5 come back with new sourcedIds (same emails), 6–11 are gone, 12–16 are as they were.
        var next = Snap([.. Enumerable.Range(1, 5).Select(i => Kid(i, $"new-{i}")), .. Enumerable.Range(12, 5).Select(i => Kid(i))]);

        var plan = Plan(next, state);

        var archived = plan.Of(Entities.Person, ChangeActions.Archived).Select(c => c.SourceId).Order().ToList();
        Assert.Equal(Enumerable.Range(6, 6).Select(i => $"s{i}").Order(), archived);
        Assert.Equal(6, plan.Counts.People.Archived);
        Assert.Equal(5, plan.Changes.Count(c => c is { Rule: "R2", Field: "sourceIds.oneroster" }));
        var after = state.After(plan);
        Assert.All(Enumerable.Range(1, 5), i => Assert.Equal(RecordStatus.Active, after.PersonWithLink($"new-{i}").Status));
        Assert.All(Enumerable.Range(1, 5), i => Assert.DoesNotContain(plan.Enrollments.Concat(plan.Memberships),
            l => l.PersonId == after.PersonWithLink($"new-{i}").Id && l.Ended));
    }

    [Fact]
    public void R2_an_id_change_keeps_the_persons_classes_and_guardian_links()
    {
        var first = Snap([Kid(1), Guardian("g1", "mom@x.org")], [Class("c1")], [Enroll("c1", "s1")], [Link("g1", "s1")]);
        var state = RosterState.Empty.Sync(first);
        var next = Snap([Kid(1, "new-1"), Guardian("g1", "mom@x.org")], [Class("c1")], [Enroll("c1", "new-1")], [Link("g1", "new-1")]);

        var plan = Plan(next, state);

        Assert.DoesNotContain(plan.Changes, c => c.Action is ChangeActions.Archived or ChangeActions.Removed);
        Assert.Empty(plan.Of(Entities.Enrollment, ChangeActions.Created));
        Assert.Empty(Plan(next, state.After(plan)).Changes);
    }

    [Fact]
    public void R3_an_email_change_never_archives_the_person()
    {
        var state = RosterState.Empty.Sync(Snap([Kid(1), Kid(2)], [Class("c1")], [Enroll("c1", "s1")]));

        var plan = Plan(Snap([Student("s1", "kid1@new.org"), Kid(2)], [Class("c1")], [Enroll("c1", "s1")]), state);

        Assert.Single(plan.Changes, c => c is { Rule: "R3", Field: "email" });
        Assert.DoesNotContain(plan.Changes, c => c.Action is ChangeActions.Archived or ChangeActions.Removed);
    }

    [Fact]
    public void R3_a_conflict_that_changes_neither_abandons_neither()
    {
        // s1 now carries bob's email: neither ana nor bob changes, and bob (whose own row is gone) is not archived by it.
        var state = RosterState.Empty.Sync(Snap(Student("s1", "ana@x.org"), Student("s2", "bob@x.org")));

        var plan = Plan(Snap(Student("s1", "bob@x.org")), state);

        Assert.Contains(plan.Issues, i => i is { Rule: "R3", SourceId: "s1" });
        Assert.Empty(plan.Changes);
    }

    [Fact]
    public void R14_an_archived_students_enrollments_end_and_its_membership_is_kept_under_R12()
    {
        var state = RosterState.Empty.Sync(Snap([Kid(1), Kid(2)], [Class("c1")], [Enroll("c1", "s1"), Enroll("c1", "s2")]));

        var plan = Plan(Snap([Kid(2)], [Class("c1")], [Enroll("c1", "s2")]), state);

        Assert.Equal("R12", Assert.Single(plan.Of(Entities.Person, ChangeActions.Archived)).Rule);
        Assert.Equal("R14", Assert.Single(plan.Of(Entities.Enrollment, ChangeActions.Removed)).Rule);
        var s1 = state.PersonWithLink("s1").Id;
        Assert.True(Assert.Single(state.After(plan).Enrollments, e => e.PersonId == s1).Ended);
        var kept = Assert.Single(plan.Kept);
        Assert.Equal((Entities.Membership, "R12"), (kept.Entity, kept.Rule));
        Assert.Equal(2, plan.Counts.Memberships.Unchanged);   // s2's, sent again, and s1's, kept
        Assert.Contains(plan.Issues, i => i is { Rule: "R12", Entity: Entities.Membership, Severity: Severities.Warning });
    }

    [Fact]
    public void R14_R11_a_lone_students_guardian_links_end_when_it_leaves_and_its_guardian_stays()
    {
        var state = RosterState.Empty.Sync(Snap([Kid(1), Kid(2), Guardian("g1", "mom@x.org")], [Class("c1")], [Enroll("c1", "s1")],
            [Link("g1", "s1"), Link("g1", "s2")]));

        var plan = Plan(Snap([Kid(2), Guardian("g1", "mom@x.org")], [Class("c1")], [], [Link("g1", "s2")]), state);

        Assert.Equal("R12", Assert.Single(plan.Of(Entities.Person, ChangeActions.Archived)).Rule);
        Assert.Equal("R11", Assert.Single(plan.Of(Entities.GuardianLink, ChangeActions.Removed)).Rule);
        Assert.Equal("R14", Assert.Single(plan.Of(Entities.Enrollment, ChangeActions.Removed)).Rule);
    }

    [Fact]
    public void R15_soft_keeps_the_student_in_its_classes_counted_under_R15_and_the_next_run_changes_nothing()
    {
        var family = Snap([Kid(1), Guardian("g1", "mom@x.org")], [Class("c1")], [Enroll("c1", "s1")], [Link("g1", "s1")]);
        var state = RosterState.Empty.Sync(family);
        var gone = Snap([], [Class("c1")], []);

        var plan = Plan(gone, state);

        Assert.Equal("R15", Assert.Single(plan.Of(Entities.Person, ChangeActions.Archived)).Rule);
        Assert.Equal([(Entities.Enrollment, "R15"), (Entities.GuardianLink, "R15"), (Entities.Membership, "R15")],
            plan.Kept.Select(k => (k.Entity, k.Rule)).Order());
        Assert.Equal(1, plan.Counts.Enrollments.Unchanged);
        Assert.Equal(1, plan.Counts.GuardianLinks.Unchanged);

        var again = Plan(gone, state.After(plan));
        Assert.Empty(again.Changes);
        Assert.Contains(again.Kept, k => k is { Entity: Entities.Enrollment, Rule: "R15" });
        Assert.Contains(again.Kept, k => k is { Entity: Entities.Person, Rule: "R15" });   // the guardian, still active
    }

    [Fact]
    public void R14_an_enrollment_of_a_student_archived_before_this_fix_is_ended_by_the_next_run()
    {
        // A district whose earlier run archived a lone student and left its enrollment open.
        var state = RosterState.Empty.Sync(Snap([Kid(1)], [Class("c1")], [Enroll("c1", "s1")]));
        var archived = state.PersonWithLink("s1") with { Status = RecordStatus.Archived };
        state = new RosterState { People = [archived], Schools = state.Schools, Classes = state.Classes, Memberships = state.Memberships,
            Enrollments = state.Enrollments };

        var plan = Plan(Snap([], [Class("c1")], []), state);

        Assert.Equal("R14", Assert.Single(plan.Of(Entities.Enrollment, ChangeActions.Removed)).Rule);
        Assert.Empty(plan.Of(Entities.Person, ChangeActions.Archived));
    }

    [Fact]
    public void R14_an_enrollment_of_a_skipped_person_is_kept_under_the_rule_that_skipped_it()
    {
        var state = RosterState.Empty.Sync(Snap([Kid(1)], [Class("c1")], [Enroll("c1", "s1")]));

        var plan = Plan(Snap([Student("s1", "broken")], [Class("c1")], []), state);

        Assert.DoesNotContain(plan.Changes, c => c.Action is ChangeActions.Archived or ChangeActions.Removed);
        Assert.Equal((Entities.Enrollment, "R6"), (Assert.Single(plan.Kept).Entity, plan.Kept[0].Rule));
    }

    [Fact]
    public void R13_absent_staff_who_already_left_are_counted_under_R13_on_later_runs()
    {
        var state = RosterState.Empty.Sync(Snap([Teacher("t1", "t@x.org")], [Class("c1")], [Enroll("c1", "t1", EnrollmentRoles.Teacher)]));
        state = state.Sync(Snap([], [Class("c1")], []));

        var again = Plan(Snap([], [Class("c1")], []), state);

        Assert.Empty(again.Changes);
        Assert.Equal((Entities.Person, "R13"), (Assert.Single(again.Kept).Entity, again.Kept[0].Rule));
        Assert.Equal(1, again.Counts.People.Unchanged);
    }
}
