using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using static RosterSync.Domain.Tests.Rules.B;

namespace RosterSync.Domain.Tests.Rules;

public class MatchingRulesTests
{
    [Fact]
    public void R1_matches_existing_person_by_normalized_email()
    {
        var ana = Existing("ana.diaz@x.org");
        var plan = Plan(Snap(Student("s1", "  Ana.Diaz@X.ORG ")), State(ana));

        Assert.Empty(plan.Of(Entities.Person, ChangeActions.Created));
        Assert.Equal(ana.Id, Assert.Single(plan.People).Id);
        Assert.Equal("s1", plan.People[0].Links.OneRoster);
    }

    [Fact]
    public void R1_never_matches_by_source_id_alone_when_the_email_is_someone_elses()
    {
        var ana = Existing("ana@x.org", oneRosterId: "s1");
        var bob = Existing("bob@x.org");
        var plan = Plan(Snap(Student("s1", "bob@x.org")), State(ana, bob));

        Assert.Empty(plan.People);
        Assert.Contains(plan.Issues, i => i.Rule == "R3" && i.SourceId == "s1");
    }

    [Fact]
    public void R1_normalizes_unicode_compatibility_forms()
    {
        Assert.Equal(EmailNormalizer.Normalize("ａｎａ@x.org"), EmailNormalizer.Normalize("ANA@X.org "));
    }

    [Fact]
    public void R2_replaces_the_source_id_and_records_the_change()
    {
        var ana = Existing("ana@x.org", oneRosterId: "old-1");
        var plan = Plan(Snap(Student("new-1", "ana@x.org", sis: "100234")), State(ana));

        var person = Assert.Single(plan.People);
        Assert.Equal("new-1", person.Links.OneRoster);
        Assert.Equal("100234", person.Links.Sis);
        Assert.Contains(plan.Changes, c => c.Rule == "R2" && c.Field == "sourceIds.oneroster" && c.Before == "old-1" && c.After == "new-1");
        Assert.Contains(plan.Issues, i => i.Rule == "R2" && i.Severity == Severities.Warning);
    }

    [Fact]
    public void R3_source_link_match_updates_the_email_with_a_warning()
    {
        var ana = Existing("ana@old.org", oneRosterId: "s1");
        var plan = Plan(Snap(Student("s1", "ana@new.org")), State(ana));

        var person = Assert.Single(plan.People);
        Assert.Equal(ana.Id, person.Id);
        Assert.Equal("ana@new.org", person.NormalizedEmail);
        Assert.Contains(plan.Changes, c => c.Rule == "R3" && c.Field == "email" && c.After == "ana@new.org");
        Assert.Contains(plan.Issues, i => i.Rule == "R3" && i.Severity == Severities.Warning);
    }

    [Fact]
    public void R3_new_email_of_another_person_is_a_conflict_that_changes_neither()
    {
        var ana = Existing("ana@x.org", oneRosterId: "s1");
        var bob = Existing("bob@x.org", oneRosterId: "s2");
        var plan = Plan(Snap(Student("s1", "bob@x.org"), Student("s2", "bob@x.org")), State(ana, bob));

        Assert.DoesNotContain(plan.People, p => p.Id == ana.Id);
        Assert.Contains(plan.Issues, i => i.Rule is "R3" or "R6" && i.SourceId == "s1");
    }

    [Fact]
    public void R4_unknown_person_is_created_synced_invitee()
    {
        var plan = Plan(Snap(Student("s1", "new@x.org")));

        var created = Assert.Single(plan.People);
        Assert.Equal(Origins.Synced, created.Origin);
        Assert.Equal(AccountStates.Invitee, created.AccountState);
        Assert.Equal("s1", created.Links.OneRoster);
        Assert.Single(plan.Of(Entities.Person, ChangeActions.Created), c => c.Rule == "R4");
        Assert.Single(plan.Memberships);
    }

    [Fact]
    public void R5_manual_person_found_in_the_source_is_adopted()
    {
        var manual = Existing("ana@x.org", origin: Origins.Manual) with { Links = SourceLinks.None };
        var plan = Plan(Snap(Student("s1", "ana@x.org")), State(manual));

        var adopted = Assert.Single(plan.People);
        Assert.Equal(Origins.Synced, adopted.Origin);
        Assert.Equal("s1", adopted.Links.OneRoster);
        Assert.Contains(plan.Changes, c => c.Rule == "R5");
    }

    [Fact]
    public void R5_manual_class_carrying_the_source_id_is_adopted()
    {
        var manualClass = new ClassRecord { Id = Guid.NewGuid(), Name = "Algebra", Origin = Origins.Manual, Links = new SourceLinks(Sis: "c1") };
        var plan = Planner.Plan(Snap([], [Class("c1", "Algebra I")], []), new RosterState { Classes = [manualClass] }, SyncSettings.Default);

        var adopted = Assert.Single(plan.Classes);
        Assert.Equal(manualClass.Id, adopted.Id);
        Assert.Equal(Origins.Synced, adopted.Origin);
        Assert.Equal("c1", adopted.Links.OneRoster);
        Assert.Empty(plan.Of(Entities.Class, ChangeActions.Created));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-an-email")]
    [InlineData("two@@x.org")]
    public void R6_person_without_valid_email_is_skipped_with_an_error(string? email)
    {
        var plan = Plan(Snap(Student("s1", email)));

        Assert.Empty(plan.People);
        var issue = Assert.Single(plan.Issues);
        Assert.Equal(("R6", Severities.Error, "s1"), (issue.Rule, issue.Severity, issue.SourceId));
        Assert.Equal(1, plan.Counts.People.Skipped);
    }

    [Fact]
    public void R6_duplicate_email_uses_the_first_and_names_both_source_ids()
    {
        var plan = Plan(Snap(Student("s1", "dup@x.org"), Student("s2", "DUP@x.org")));

        Assert.Equal("s1", Assert.Single(plan.People).Links.OneRoster);
        var issue = Assert.Single(plan.Issues);
        Assert.Equal("R6", issue.Rule);
        Assert.Contains("s1", issue.Message);
        Assert.Equal("s2", issue.SourceId);
    }

    [Fact]
    public void R6_a_skipped_person_is_not_abandoned()
    {
        var state = RosterState.Empty.Sync(Snap(Student("s1", "ana@x.org")));
        var plan = Plan(Snap(Student("s1", "broken")), state);

        Assert.Empty(plan.Of(Entities.Person, ChangeActions.Archived));
        Assert.Empty(plan.Of(Entities.Membership, ChangeActions.Removed));
    }
}
