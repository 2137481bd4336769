using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using static RosterSync.Domain.Tests.Rules.B;

namespace RosterSync.Domain.Tests.Rules;

public class UpdateRulesTests
{
    [Fact]
    public void R7_updates_sync_managed_student_fields_with_before_and_after()
    {
        var state = RosterState.Empty.Sync(Snap(Student("s1", "ana@x.org", given: "Ana", grade: "09")));
        var plan = Plan(Snap(Student("s1", "ana@x.org", given: "Anna", grade: "10")), state);

        Assert.Contains(plan.Changes, c => c is { Field: "givenName", Before: "Ana", After: "Anna", Rule: "R7" });
        Assert.Contains(plan.Changes, c => c is { Field: "grade", Before: "09", After: "10", Rule: "R7" });
        Assert.Equal(1, plan.Counts.People.Updated);
    }

    [Fact]
    public void R7_fields_the_sync_does_not_manage_are_never_overwritten()
    {
        var state = RosterState.Empty.Sync(Snap(Student("s1", "ana@x.org")));
        var ana = state.PersonWithLink("s1");
        state = new RosterState { People = [ana with { Room = "B12", Language = "es" }], Schools = state.Schools, Memberships = state.Memberships };

        var plan = Plan(Snap(Student("s1", "ana@x.org", given: "Anna")), state);

        var updated = Assert.Single(plan.People);
        Assert.Equal(("B12", "es"), (updated.Room, updated.Language));
    }

    [Fact]
    public void R7_student_moving_school_ends_the_old_membership_and_opens_the_new()
    {
        var state = RosterState.Empty.Sync(Snap(Student("s1", "ana@x.org", school: "sch-1")));
        var plan = Plan(Snap(Student("s1", "ana@x.org", school: "sch-2")), state);

        Assert.Single(plan.Of(Entities.Membership, ChangeActions.Removed));
        Assert.Single(plan.Of(Entities.Membership, ChangeActions.Created));
    }

    [Fact]
    public void R7_manual_co_teacher_enrollment_is_kept()
    {
        var state = RosterState.Empty.Sync(Snap([Teacher("t1", "t@x.org")], [Class("c1")], [Enroll("c1", "t1", EnrollmentRoles.Teacher)]));
        var coTeacher = new LinkRecord
        {
            Id = Guid.NewGuid(), PersonId = Guid.NewGuid(), TargetId = state.Classes[0].Id, Role = EnrollmentRoles.CoTeacher, Origin = Origins.Manual,
        };
        state = new RosterState { People = state.People, Schools = state.Schools, Classes = state.Classes, Memberships = state.Memberships,
            Enrollments = [.. state.Enrollments, coTeacher] };

        var plan = Plan(Snap([Teacher("t1", "t@x.org")], [Class("c1")], [Enroll("c1", "t1", EnrollmentRoles.Teacher)]), state);

        Assert.DoesNotContain(plan.Enrollments, e => e.Id == coTeacher.Id);
    }

    [Fact]
    public void R8_contact_details_of_active_people_stand_unless_updateActiveUsers()
    {
        var active = Existing("ana@x.org", oneRosterId: "s1", accountState: AccountStates.Active);
        var incoming = Snap(Student("s1", "ana@x.org", given: "Anna", grade: "10"));

        var kept = Plan(incoming, State(active));
        Assert.DoesNotContain(kept.Changes, c => c.Field == "givenName");
        Assert.Contains(kept.Changes, c => c.Field == "grade");

        var updated = Plan(incoming, State(active), SyncSettings.Default with { UpdateActiveUsers = true });
        Assert.Contains(updated.Changes, c => c.Field == "givenName" && c.After == "Anna");
    }

    [Fact]
    public void R8_invitees_are_always_updated()
    {
        var invitee = Existing("ana@x.org", oneRosterId: "s1");
        var plan = Plan(Snap(Student("s1", "ana@x.org", given: "Anna")), State(invitee));

        Assert.Contains(plan.Changes, c => c.Field == "givenName" && c.After == "Anna");
    }

    [Fact]
    public void R9_empty_incoming_value_blanks_only_when_overwrite_is_on()
    {
        var state = State(Existing("ana@x.org", oneRosterId: "s1"));
        var incoming = Snap(Student("s1", "ana@x.org", grade: null));

        Assert.Contains(Plan(incoming, state).Changes, c => c.Field == "grade" && c.After == null && c.Rule == "R9");

        var keep = SyncSettings.Default with { Fields = new Dictionary<string, FieldSetting> { ["grade"] = new(false) } };
        Assert.DoesNotContain(Plan(incoming, state, keep).Changes, c => c.Field == "grade");
    }
}
