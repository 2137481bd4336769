using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using static RosterSync.Domain.Tests.Rules.B;

namespace RosterSync.Domain.Tests.Rules;

/// <summary>Defects the generative tests (Properties/) found, each pinned by the smallest history that showed it.</summary>
public class HistoryFindingsRulesTests
{
    private static void AssertSameSnapshotChangesNothing(Snapshot snapshot, RosterState state, SyncSettings? settings = null) =>
        Assert.Empty(Plan(snapshot, state, settings).Changes);

    private static void AssertOneHolderPerSourceId(RosterState state) =>
        Assert.All(state.People.Where(p => p.Links.OneRoster is not null).GroupBy(p => p.Links.OneRoster), g => Assert.Single(g));

    [Fact]
    public void R1_R3_two_rows_never_match_one_person_when_one_carries_its_email_and_the_other_its_source_id()
    {
        // An earlier run gave p1's row p2's email (a duplicate in the file); now each row carries its own again.
        var x = Existing("p2@x.org", oneRosterId: "p1");
        var snapshot = Snap(Student("p1", "p1@x.org"), Student("p2", "p2@x.org"));

        var after = State(x).After(Plan(snapshot, State(x)));

        Assert.Equal("p1@x.org", after.PersonWithLink("p1").NormalizedEmail);
        Assert.Equal("p2@x.org", after.PersonWithLink("p2").NormalizedEmail);
        Assert.NotEqual(after.PersonWithLink("p1").Id, after.PersonWithLink("p2").Id);
        AssertSameSnapshotChangesNothing(snapshot, after);
    }

    [Fact]
    public void R1_a_person_another_row_matches_by_email_is_not_matched_again_by_its_old_source_id()
    {
        // x signed in, so R8 keeps its email: row p5 cannot move it. Row p6 carries x's email and takes x (R1, R2).
        var x = Existing("p6@x.org", oneRosterId: "p5", accountState: AccountStates.Active);
        var snapshot = Snap(Student("p5", "p5@x.org"), Student("p6", "p6@x.org"));

        var plan = Plan(snapshot, State(x));
        var after = State(x).After(plan);

        Assert.Equal(x.Id, after.PersonWithLink("p6").Id);
        Assert.Contains(plan.Changes, c => c is { Entity: Entities.Person, Action: ChangeActions.Created, SourceId: "p5" });
        AssertOneHolderPerSourceId(after);
        AssertSameSnapshotChangesNothing(snapshot, after);
    }

    [Fact]
    public void R2_a_source_id_has_one_holder_when_the_row_claiming_its_holder_is_a_conflict()
    {
        var a = Existing("p4.13@x.org", oneRosterId: "p3");
        var b = Existing("p4@x.org", oneRosterId: "p4");
        var snapshot = Snap(Student("p3", "p3@x.org"), Student("p4", "p4.13@x.org"));

        var after = State(a, b).After(Plan(snapshot, State(a, b)));

        AssertOneHolderPerSourceId(after);
        AssertSameSnapshotChangesNothing(snapshot, after);
    }

    [Fact]
    public void R23_an_R3_conflict_is_judged_after_the_row_that_frees_the_email()
    {
        // Row p2 names q's email while p2 belongs to r; row p17 (q's source id) moves q to a new email, freeing it.
        var r = Existing("p3.15@x.org", oneRosterId: "p2", role: Roles.Guardian);
        var q = Existing("p2.18@x.org", oneRosterId: "p17", role: Roles.Teacher);
        var snapshot = Snap(Guardian("p2", "p2.18@x.org"), Teacher("p17", "p17@x.org"));

        var plan = Plan(snapshot, State(r, q));
        var after = State(r, q).After(plan);

        Assert.Equal("p2.18@x.org", after.PersonWithLink("p2").NormalizedEmail);
        Assert.Equal("p17@x.org", after.PersonWithLink("p17").NormalizedEmail);
        Assert.DoesNotContain(plan.Issues, i => i is { Rule: "R3", Severity: Severities.Error });
        AssertSameSnapshotChangesNothing(snapshot, after);
    }

    [Fact]
    public void R14_a_delta_enrollment_of_a_person_the_delta_does_not_send_is_opened()
    {
        var state = RosterState.Empty.Sync(Snap([Student("s1", "a@x.org")], [Class("c1")], []));
        var delta = Snap([], [], [Enroll("c1", "s1")], mode: FeedMode.Delta);

        var plan = Plan(delta, state);

        Assert.Single(plan.Of(Entities.Enrollment, ChangeActions.Created));
        Assert.DoesNotContain(plan.Issues, i => i.Entity == Entities.Enrollment);
    }

    [Fact]
    public void R18_R23_no_enrollment_is_opened_in_a_class_the_run_archives()
    {
        var state = RosterState.Empty.Sync(Snap([Student("s1", "a@x.org")], [Class("c1")], []));
        var settings = SyncSettings.Default with { Filters = new SyncFilters { HomeroomOnly = true }, AbandonFiltered = true };
        var snapshot = Snap([Student("s1", "a@x.org")], [Class("c1")], [Enroll("c1", "s1")]);

        var plan = Plan(snapshot, state, settings);

        Assert.Single(plan.Of(Entities.Class, ChangeActions.Archived));
        Assert.Empty(plan.Of(Entities.Enrollment, ChangeActions.Created));
        AssertSameSnapshotChangesNothing(snapshot, state.After(plan), settings);
    }

    [Fact]
    public void R20_a_person_restored_and_updated_is_counted_restored_and_updated()
    {
        var state = RosterState.Empty.Sync(Snap(Student("s1", "a@x.org", given: "Di")));
        state = state.Sync(Snap());

        var plan = Plan(Snap(Student("s1", "a@x.org", given: "Ana")), state);

        Assert.Equal((1, 1), (plan.Counts.People.Restored, plan.Counts.People.Updated));
    }

    [Fact]
    public void R11_a_family_guardians_link_to_a_student_still_in_the_source_ends()
    {
        var state = RosterState.Empty.Sync(Snap([Student("s1", "a@x.org"), Student("s2", "b@x.org"), Guardian("g1", "g@x.org")], [], [],
            [Link("g1", "s1"), Link("g1", "s2")]));

        // s1 and its only guardian g1 leave (a family, R15 soft); s2 stays and no longer has g1.
        var plan = Plan(Snap([Student("s2", "b@x.org")], [], []), state);

        var s2 = state.PersonWithLink("s2").Id;
        var ended = Assert.Single(plan.Of(Entities.GuardianLink, ChangeActions.Removed));
        Assert.Equal("R11", ended.Rule);
        Assert.True(state.After(plan).GuardianLinks.Single(l => l.TargetId == s2).Ended);
        Assert.Contains(plan.Kept, k => k is { Entity: Entities.GuardianLink, Rule: "R15" });
    }

    [Fact]
    public void R15_a_soft_family_guardian_losing_school_access_is_recorded_as_removed()
    {
        var state = RosterState.Empty.Sync(Snap([Student("s1", "a@x.org"), Guardian("g1", "g@x.org")], [], [], [Link("g1", "s1")]));

        var plan = Plan(Snap(), state);

        var guardian = state.PersonWithLink("g1").Id;
        Assert.Contains(plan.Changes, c => c is { Entity: Entities.Person, Action: ChangeActions.Removed, Rule: "R15" } && c.RecordId == guardian);
    }

    [Fact]
    public void R15_R23_a_delta_deleting_a_soft_family_again_changes_nothing()
    {
        var state = RosterState.Empty.Sync(Snap([Student("s1", "a@x.org"), Student("s2", "b@x.org"), Guardian("g1", "g@x.org")], [], [],
            [Link("g1", "s1"), Link("g1", "s2")]));
        var delta = Snap([], [], [], mode: FeedMode.Delta);
        delta.Deletions.Add(new SourceDeletion(SnapshotKinds.People, "s1", Row));
        delta.Deletions.Add(new SourceDeletion(SnapshotKinds.People, "g1", Row));

        var after = state.After(Plan(delta, state));

        AssertSameSnapshotChangesNothing(delta, after);
    }
}
