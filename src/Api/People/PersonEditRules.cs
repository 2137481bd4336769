using RosterSync.Domain.Model;

namespace RosterSync.Api.People;

/// <summary>
/// R7 and R8 applied to an edit through the Api. A manual person takes any edit. For a synced person, a field no
/// sync manages (R7: room, language, and sms/phone of a student) always stands. A sync-managed contact detail
/// (name, email, sms, phone) stands only while the person is active and the district's updateActiveUsers is off,
/// because only then does the next sync leave it alone (R8); otherwise, and for grade and graduation year of a
/// student (R7), the next sync would overwrite it, so the Api refuses it and names the rule.
/// </summary>
public static class PersonEditRules
{
    /// <summary>The rule under which an edit of <paramref name="field"/> stands, or a refusal naming the rule that refuses it.</summary>
    public static (bool Stands, string? Rule) Decide(Person person, PersonField field, bool updateActiveUsers)
    {
        if (person.Origin != Origins.Synced) return (true, null);
        if (!field.IsManagedFor(person.Roles)) return (true, "R7");
        if (!field.Contact) return (false, "R7");
        return (person.AccountState == AccountStates.Active && !updateActiveUsers, "R8");
    }
}
