using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using static RosterSync.Domain.Tests.Rules.B;

namespace RosterSync.Domain.Tests.Rules;

public class GuardianAndAbandonRulesTests
{
    private static Snapshot Family(bool withGuardian = true) => Snap(
        withGuardian ? [Student("s1", "kid@x.org"), Guardian("g1", "mom@x.org")] : [Student("s1", "kid@x.org")],
        [Class("c1")], [Enroll("c1", "s1")], withGuardian ? [Link("g1", "s1")] : []);

    [Fact]
    public void R10_guardian_with_only_an_sms_number_is_created()
    {
        var plan = Plan(Snap([Student("s1", "kid@x.org"), Guardian("g1", null, sms: "555-0100")], [], [], [Link("g1", "s1")]));

        Assert.Contains(plan.People, p => p.Links.OneRoster == "g1" && p.NormalizedEmail == null);
        Assert.Single(plan.GuardianLinks);
    }

    [Fact]
    public void R10_guardian_without_email_or_unique_sms_is_skipped_with_a_warning()
    {
        var plan = Plan(Snap(Guardian("g1", null), Guardian("g2", null, sms: "555-0100"), Guardian("g3", null, sms: "(555) 0100")));

        Assert.Equal(["g2"], plan.People.Select(p => p.Links.OneRoster));
        Assert.Equal(2, plan.Issues.Count(i => i is { Rule: "R10", Severity: Severities.Warning }));
    }

    [Fact]
    public void R11_link_no_longer_in_the_source_is_ended_and_manual_links_are_kept()
    {
        var state = RosterState.Empty.Sync(Family());
        var manual = new LinkRecord { Id = Guid.NewGuid(), PersonId = state.PersonWithLink("g1").Id, TargetId = Guid.NewGuid(), Origin = Origins.Manual };
        state = new RosterState { People = state.People, Schools = state.Schools, Classes = state.Classes, Memberships = state.Memberships,
            Enrollments = state.Enrollments, GuardianLinks = [.. state.GuardianLinks, manual] };

        var plan = Plan(Snap([Student("s1", "kid@x.org"), Guardian("g1", "mom@x.org")], [Class("c1")], [Enroll("c1", "s1")]), state);

        var ended = Assert.Single(plan.Of(Entities.GuardianLink, ChangeActions.Removed));
        Assert.Equal("R11", ended.Rule);
        Assert.DoesNotContain(plan.GuardianLinks, l => l.Id == manual.Id);
    }

    [Fact]
    public void R11_link_keeps_the_sources_relationship_and_follows_its_change_on_the_same_link()
    {
        Snapshot With(string? relationship) =>
            Snap([Student("s1", "kid@x.org"), Guardian("g1", "mom@x.org")], [], [], [Link("g1", "s1", relationship)]);
        var state = RosterState.Empty.Sync(With("mother"));
        var link = Assert.Single(state.GuardianLinks);
        Assert.Equal("mother", link.Role);

        var plan = Plan(With("guardian"), state);

        var updated = Assert.Single(plan.Of(Entities.GuardianLink, ChangeActions.Updated));
        Assert.Equal(("relationship", "mother", "guardian", "R11"), (updated.Field, updated.Before, updated.After, updated.Rule));
        Assert.Equal((link.Id, "guardian", false), (Assert.Single(plan.GuardianLinks).Id, plan.GuardianLinks[0].Role, plan.GuardianLinks[0].Ended));
        Assert.Empty(plan.Of(Entities.GuardianLink, ChangeActions.Created));
    }

    [Fact]
    public void R16_R11_a_link_that_comes_back_with_another_relationship_is_restored_and_updated()
    {
        Snapshot With(bool link, string relationship) =>
            Snap([Student("s1", "kid@x.org"), Guardian("g1", "mom@x.org")], [], [], link ? [Link("g1", "s1", relationship)] : []);
        var state = RosterState.Empty.Sync(With(true, "mother"));
        state = state.Sync(With(false, "mother"));
        Assert.True(Assert.Single(state.GuardianLinks).Ended);

        var plan = Plan(With(true, "guardian"), state);

        Assert.Equal([(ChangeActions.Restored, "R16"), (ChangeActions.Updated, "R11")],
            plan.Changes.Where(c => c.Entity == Entities.GuardianLink).Select(c => (c.Action, c.Rule!)));
        var link = Assert.Single(plan.GuardianLinks);
        Assert.Equal(("guardian", false), (link.Role, link.Ended));
    }

    [Fact]
    public void R11_a_source_without_relationships_leaves_the_stored_one_unchanged()
    {
        var state = RosterState.Empty.Sync(Snap([Student("s1", "kid@x.org"), Guardian("g1", "mom@x.org")], [], [], [Link("g1", "s1", "father")]));

        var plan = Plan(Snap([Student("s1", "kid@x.org"), Guardian("g1", "mom@x.org")], [], [], [Link("g1", "s1")]), state);

        Assert.Empty(plan.GuardianLinks);
        Assert.Equal(1, plan.Counts.For(Entities.GuardianLink).Unchanged);
    }

    [Fact]
    public void R12_abandoned_student_is_archived_by_default()
    {
        var state = RosterState.Empty.Sync(Family(withGuardian: false));
        var plan = Plan(Snap([], [Class("c1")], []), state);

        Assert.Single(plan.Of(Entities.Person, ChangeActions.Archived), c => c.Rule == "R12");
        Assert.Equal(RecordStatus.Archived, Assert.Single(plan.People).Status);
    }

    [Fact]
    public void R12_remove_policy_ends_school_and_class_membership_but_keeps_the_person()
    {
        var state = RosterState.Empty.Sync(Family(withGuardian: false));
        var plan = Plan(Snap([], [Class("c1")], []), state, SyncSettings.Default with { AbandonedStudents = AbandonedStudentPolicy.Remove });

        Assert.Empty(plan.Of(Entities.Person, ChangeActions.Archived));
        Assert.Single(plan.Of(Entities.Membership, ChangeActions.Removed), c => c.Rule == "R12");
        Assert.Contains(plan.Enrollments, e => e.Ended);
    }

    [Fact]
    public void R13_abandoned_staff_leaves_school_and_classes_and_stays_active()
    {
        var state = RosterState.Empty.Sync(Snap([Teacher("t1", "t@x.org")], [Class("c1")], [Enroll("c1", "t1", EnrollmentRoles.Teacher)]));
        var plan = Plan(Snap([], [Class("c1")], []), state);

        Assert.Contains(plan.Changes, c => c is { Entity: Entities.Membership, Action: ChangeActions.Removed, Rule: "R13" });
        Assert.Contains(plan.Changes, c => c is { Entity: Entities.Enrollment, Action: ChangeActions.Removed, Rule: "R13" });
        Assert.DoesNotContain(plan.People, p => p.Status == RecordStatus.Archived);
    }

    [Fact]
    public void R14_absent_class_is_archived_and_absent_enrollment_ended()
    {
        var state = RosterState.Empty.Sync(Snap([Student("s1", "a@x.org"), Student("s2", "b@x.org")], [Class("c1"), Class("c2")],
            [Enroll("c1", "s1"), Enroll("c2", "s2"), Enroll("c1", "s2")]));
        var plan = Plan(Snap([Student("s1", "a@x.org"), Student("s2", "b@x.org")], [Class("c1")], [Enroll("c1", "s1")]), state);

        Assert.Single(plan.Of(Entities.Class, ChangeActions.Archived), c => c.Rule == "R14");
        Assert.Equal(2, plan.Of(Entities.Enrollment, ChangeActions.Removed).Count(c => c.Rule == "R14"));
    }

    [Fact]
    public void R14_delta_file_ends_only_what_it_deletes()
    {
        var state = RosterState.Empty.Sync(Snap([Student("s1", "a@x.org"), Student("s2", "b@x.org")], [Class("c1")], []));
        var delta = Snap([], [], [], mode: FeedMode.Delta);
        delta.Deletions.Add(new SourceDeletion(SnapshotKinds.People, "s2", Row));

        var plan = Plan(delta, state);

        Assert.Equal("s2", Assert.Single(plan.Of(Entities.Person, ChangeActions.Archived)).SourceId);
        Assert.Empty(plan.Of(Entities.Class, ChangeActions.Archived));
    }

    [Fact]
    public void R15_soft_family_abandonment_archives_the_student_keeps_classes_and_links()
    {
        var state = RosterState.Empty.Sync(Family());
        var plan = Plan(Snap([], [Class("c1")], []), state);

        Assert.Single(plan.Of(Entities.Person, ChangeActions.Archived), c => c.Rule == "R15");
        Assert.DoesNotContain(plan.Enrollments, e => e.Ended);
        Assert.DoesNotContain(plan.GuardianLinks, l => l.Ended);
        var guardianId = state.PersonWithLink("g1").Id;
        Assert.Contains(plan.Memberships, m => m.PersonId == guardianId && m.Ended);
    }

    [Fact]
    public void R15_extreme_family_abandonment_removes_the_family_from_school_and_classes()
    {
        var state = RosterState.Empty.Sync(Family());
        var plan = Plan(Snap([], [Class("c1")], []), state, SyncSettings.Default with { FamilyAbandonment = FamilyAbandonmentPolicy.Extreme });

        Assert.Empty(plan.Of(Entities.Person, ChangeActions.Archived));
        Assert.All(plan.Memberships, m => Assert.True(m.Ended));
        Assert.Contains(plan.Enrollments, e => e.Ended);
        Assert.DoesNotContain(plan.GuardianLinks, l => l.Ended);
    }

    [Fact]
    public void R16_record_that_comes_back_is_restored()
    {
        var state = RosterState.Empty.Sync(Family(withGuardian: false));
        state = state.Sync(Snap([], [], []), SyncSettings.Default with { AbandonedStudents = AbandonedStudentPolicy.Archive });
        Assert.Equal(RecordStatus.Archived, state.PersonWithLink("s1").Status);
        Assert.Equal(RecordStatus.Archived, state.Classes[0].Status);

        var plan = Plan(Family(withGuardian: false), state);

        Assert.Contains(plan.Changes, c => c is { Entity: Entities.Person, Action: ChangeActions.Restored, Rule: "R16" });
        Assert.Contains(plan.Changes, c => c is { Entity: Entities.Class, Action: ChangeActions.Restored, Rule: "R16" });
        Assert.Contains(plan.Changes, c => c is { Entity: Entities.Enrollment, Action: ChangeActions.Restored, Rule: "R16" });
    }

    [Fact]
    public void R12_manual_people_are_never_abandoned()
    {
        var manual = Existing("m@x.org", origin: Origins.Manual);
        var plan = Plan(Snap(), State(manual));

        Assert.Empty(plan.People);
    }

    [Fact]
    public void R23_an_archived_students_classes_stay_as_they_were_on_the_next_run()
    {
        var state = RosterState.Empty.Sync(Family(withGuardian: false));
        state = state.Sync(Snap([], [Class("c1")], []));
        Assert.Equal(RecordStatus.Archived, state.PersonWithLink("s1").Status);

        var again = Plan(Snap([], [Class("c1")], []), state);

        Assert.Empty(again.Changes);
    }
}
