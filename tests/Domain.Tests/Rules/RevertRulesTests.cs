using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using static RosterSync.Domain.Tests.Rules.B;

namespace RosterSync.Domain.Tests.Rules;

public class RevertRulesTests
{
    private static readonly RosterSync.Domain.Snapshots.Snapshot First =
        Snap([Student("s1", "a@x.org", given: "Ana"), Student("s2", "b@x.org")], [Class("c1")], [Enroll("c1", "s1"), Enroll("c1", "s2")]);
    private static readonly RosterSync.Domain.Snapshots.Snapshot Second =
        Snap([Student("s1", "a@x.org", given: "Anna"), Student("s3", "c@x.org")], [Class("c1")], [Enroll("c1", "s1"), Enroll("c1", "s3")]);

    [Fact]
    public void R24_revert_undoes_updates_archives_and_ended_links_of_the_run()
    {
        var before = RosterState.Empty.Sync(First);
        var plan = Planner.Plan(Second, before, SyncSettings.Default);
        var after = before.After(plan);

        var revert = RevertPlanner.Plan(plan.Changes, after);
        var reverted = after.After(revert);

        Assert.Equal("Ana", reverted.PersonWithLink("s1").GivenName);
        Assert.Equal(RecordStatus.Active, reverted.PersonWithLink("s2").Status);
        Assert.Equal(RecordStatus.Archived, reverted.PersonWithLink("s3").Status);
        var s3 = reverted.PersonWithLink("s3").Id;
        Assert.All(reverted.Enrollments.Where(e => e.PersonId == s3), e => Assert.True(e.Ended));
        Assert.All(revert.Changes, c => Assert.Equal("R24", c.Rule));
    }

    [Fact]
    public void R24_a_field_changed_again_since_the_run_is_left_alone_with_a_warning()
    {
        var before = RosterState.Empty.Sync(First);
        var plan = Planner.Plan(Second, before, SyncSettings.Default);
        var after = before.After(plan).Sync(Snap([Student("s1", "a@x.org", given: "Annie"), Student("s3", "c@x.org")], [Class("c1")],
            [Enroll("c1", "s1"), Enroll("c1", "s3")]));

        var revert = RevertPlanner.Plan(plan.Changes, after);

        Assert.Equal("Annie", after.After(revert).PersonWithLink("s1").GivenName);
        Assert.Contains(revert.Issues, i => i is { Rule: "R24", Severity: Severities.Warning });
    }

    [Fact]
    public void R24_reverting_twice_restores_the_reverted_state()
    {
        var before = RosterState.Empty.Sync(First);
        var plan = Planner.Plan(Second, before, SyncSettings.Default);
        var after = before.After(plan);
        var revert = RevertPlanner.Plan(plan.Changes, after);
        var reverted = after.After(revert);

        var again = reverted.After(RevertPlanner.Plan(revert.Changes, reverted));

        Assert.Equal("Anna", again.PersonWithLink("s1").GivenName);
        Assert.Equal(RecordStatus.Archived, again.PersonWithLink("s2").Status);
    }

    [Fact]
    public void R24_a_revert_does_not_give_back_a_source_id_that_a_person_the_run_created_holds()
    {
        // The run gave source id p1 to a new person and moved x (which held it) to p2; x's p1 cannot come back while the
        // archived new person still holds it (one holder per source id), so that change is left with a warning.
        var before = RosterState.Empty.Sync(Snap(Student("p1", "p2@x.org")));
        var plan = Planner.Plan(Snap(Student("p1", "p1@x.org"), Student("p2", "p2@x.org")), before, SyncSettings.Default);
        var after = before.After(plan);

        var revert = RevertPlanner.Plan(plan.Changes, after);
        var reverted = after.After(revert);

        Assert.All(reverted.People.Where(p => p.Links.OneRoster is not null).GroupBy(p => p.Links.OneRoster), g => Assert.Single(g));
        Assert.Contains(revert.Issues, i => i is { Rule: "R24", Severity: Severities.Warning });
    }

    [Fact]
    public void R24_revert_puts_a_guardian_links_relationship_back_and_keeps_the_link_open()
    {
        RosterSync.Domain.Snapshots.Snapshot Family(string relationship) =>
            Snap([Student("s1", "kid@x.org"), Guardian("g1", "mom@x.org")], [], [], [Link("g1", "s1", relationship)]);
        var before = RosterState.Empty.Sync(Family("mother"));
        var plan = Planner.Plan(Family("guardian"), before, SyncSettings.Default);
        var after = before.After(plan);

        var reverted = after.After(RevertPlanner.Plan(plan.Changes, after));

        var link = Assert.Single(reverted.GuardianLinks);
        Assert.Equal(("mother", false), (link.Role, link.Ended));
    }
}
