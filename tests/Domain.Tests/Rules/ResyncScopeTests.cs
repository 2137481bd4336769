using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.Domain.Tests.Properties;
using static RosterSync.Domain.Tests.Rules.B;

namespace RosterSync.Domain.Tests.Rules;

/// <summary>
/// Issue 12, by example: what a fingerprinted re-sync plans (<see cref="ResyncScope"/>) and when it plans everything instead. The
/// generative proof that both paths plan the same is ResyncPropertyTests.
/// </summary>
public class ResyncScopeTests
{
    private static Snapshot Family(string given = "Ana") => Snap(
        [Student("s1", "s1@x.org", given: given), Student("s2", "s2@x.org"), Guardian("g1", "g1@x.org"), Teacher("t1", "t1@x.org")],
        [Class("c1")], [Enroll("c1", "s1"), Enroll("c1", "s2"), Enroll("c1", "t1", EnrollmentRoles.Teacher)], [Link("g1", "s1")]);

    /// <summary>The district after the first import of <see cref="Family"/>, with the fingerprints the Worker stores.</summary>
    private static (RosterState State, Dictionary<Guid, long> Prints) Imported()
    {
        var first = Family();
        var plan = Plan(first);
        var state = RosterState.Empty.After(plan);
        var updates = FingerprintUpdates.After(first, SourceFingerprints.People(first), RosterState.Empty, plan, _ => null);
        return (state, updates.Written);
    }

    private static (ResyncScope? Scope, string? FullBecause) Select(Snapshot snapshot, RosterState state, Dictionary<Guid, long> prints,
        SyncSettings? settings = null) =>
        ResyncScope.Select(snapshot, settings ?? SyncSettings.Default, SourceFingerprints.People(snapshot),
            state.People.Select(p => new StoredPerson(p.Id, p.Links.OneRoster, p.NormalizedEmail, p.Origin, prints.TryGetValue(p.Id, out var f) ? f : null)).ToList(),
            state.GuardianLinks.Select(l => (l.PersonId, l.TargetId)), state.Classes, state.Schools);

    [Fact]
    public void R23_an_unchanged_snapshot_plans_no_person_and_counts_every_row_unchanged()
    {
        var (state, prints) = Imported();

        var (scope, fullBecause) = Select(Family(), state, prints);

        Assert.Null(fullBecause);
        Assert.Empty(scope!.Subset.People);
        Assert.Empty(scope.People);
        Assert.Equal((4L, 4L, 3L, 1L), scope.LeftOut);
        var fast = Planner.Plan(scope.Subset, ResyncPropertyTests.Part(state, scope.People), SyncSettings.Default);
        scope.CountLeftOut(fast);
        ResyncPropertyTests.AssertSame(Plan(Family(), state), fast);
    }

    [Fact]
    public void R7_a_changed_row_is_planned_with_its_guardian_link_partner()
    {
        var (state, prints) = Imported();

        var (scope, _) = Select(Family(given: "Annie"), state, prints);

        // s1 changed; g1 is linked to it (R11, R15 consult the pair); s2 and t1 share only a class, which is planned whole.
        Assert.Equal(["s1", "g1"], scope!.Subset.People.Select(p => p.SourceId));
        Assert.Equal(2, scope.People.Count);
        var fast = Planner.Plan(scope.Subset, ResyncPropertyTests.Part(state, scope.People), SyncSettings.Default);
        Assert.Equal("Annie", Assert.Single(fast.Changes).After);
    }

    [Fact]
    public void R8_a_person_edited_through_the_api_has_no_fingerprint_and_is_planned_again()
    {
        var (state, prints) = Imported();
        var t1 = state.PersonWithLink("t1");
        prints.Remove(t1.Id);

        var (scope, _) = Select(Family(), state, prints);

        Assert.Equal(["t1"], scope!.Subset.People.Select(p => p.SourceId));
        Assert.Equal([t1.Id], scope.People);
    }

    [Fact]
    public void R12_a_person_gone_from_the_source_is_planned_and_so_is_its_family()
    {
        var (state, prints) = Imported();
        var without = Family();
        without.People.RemoveAll(p => p.SourceId == "s1");

        var (scope, _) = Select(without, state, prints);

        Assert.Contains(state.PersonWithLink("s1").Id, scope!.People);
        Assert.Contains(state.PersonWithLink("g1").Id, scope.People);
        Assert.Equal(["g1"], scope.Subset.People.Select(p => p.SourceId));
    }

    [Fact]
    public void R14_R18_R22_what_only_the_whole_snapshot_decides_is_planned_whole()
    {
        var (state, prints) = Imported();
        var classGone = Family();
        classGone.Classes.Clear();
        var skipped = Family();
        skipped.Skipped.Add(new SourceSkip(SnapshotKinds.People, "s9", Row));

        Assert.Equal("a class left the source", Select(classGone, state, prints).FullBecause);
        Assert.Equal("the reader skipped rows", Select(skipped, state, prints).FullBecause);
        Assert.Equal("filters (R18)", Select(Family(), state, prints, SyncSettings.Default with { Filters = new SyncFilters { HomeroomOnly = true } }).FullBecause);
        Assert.Equal("users is not a bulk file", Select(Snap([Student("s1", "s1@x.org")], [], [], mode: FeedMode.Delta), state, prints).FullBecause);
    }

    [Fact]
    public void Issue12_the_basis_changes_with_the_settings_and_the_schools_not_with_the_people()
    {
        var basis = SourceFingerprints.Basis(Family(), SyncSettings.Default);

        Assert.Equal(basis, SourceFingerprints.Basis(Family(given: "Annie"), SyncSettings.Default));
        Assert.NotEqual(basis, SourceFingerprints.Basis(Family(), SyncSettings.Default with { UpdateActiveUsers = true }));
        var renamed = Family();
        renamed.Schools[0] = renamed.Schools[0] with { Name = "Lincoln" };
        Assert.NotEqual(basis, SourceFingerprints.Basis(renamed, SyncSettings.Default));
    }
}
