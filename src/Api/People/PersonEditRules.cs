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
    public static readonly IReadOnlySet<string> ContactFields = new HashSet<string> { "givenName", "familyName", "middleName", "email", "sms", "phone" };
    private static readonly string[] StudentManaged = ["givenName", "familyName", "middleName", "email", "grade", "graduationYear"];
    private static readonly string[] StaffAndGuardianManaged = ["givenName", "familyName", "middleName", "email", "sms", "phone"];

    public static IReadOnlySet<string> SyncManaged(IEnumerable<string> roles) =>
        roles.SelectMany(r => r == Roles.Student ? StudentManaged : StaffAndGuardianManaged).ToHashSet();

    /// <summary>The rule under which an edit of <paramref name="field"/> stands, or a refusal naming the rule that refuses it.</summary>
    public static (bool Stands, string? Rule) Decide(Person person, string field, bool updateActiveUsers)
    {
        if (person.Origin != Origins.Synced) return (true, null);
        if (!SyncManaged(person.Roles).Contains(field)) return (true, "R7");
        if (!ContactFields.Contains(field)) return (false, "R7");
        return (person.AccountState == AccountStates.Active && !updateActiveUsers, "R8");
    }
}
