using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

public enum MatchKind { New, ByEmail, BySourceLink, Conflict }

public sealed record FieldChange(string Field, string? Before, string? After, string Rule);

/// <summary>Per-person decisions of SPEC §4: matching (R1–R4), adoption (R5) and field updates (R7–R9).</summary>
public static class PeopleRules
{
    /// <summary>
    /// R1–R4. The email decides (R1); a source link alone means the email changed (R3); both pointing
    /// at different people is a conflict that changes neither (R3); nothing means a new person (R4).
    /// </summary>
    public static MatchKind Match(Guid? byEmail, Guid? byLink) => (byEmail, byLink) switch
    {
        ({ } e, { } l) when e != l => MatchKind.Conflict,
        ({ }, _) => MatchKind.ByEmail,
        (null, { }) => MatchKind.BySourceLink,
        _ => MatchKind.New,
    };

    /// <summary>R4: a new synced person who has never signed in.</summary>
    public static PersonRecord Create(Guid id, SourcePerson incoming, string? normalizedEmail, string linkKind) => new()
    {
        Id = id,
        Email = normalizedEmail is null ? null : incoming.Email?.Trim(),
        NormalizedEmail = normalizedEmail,
        GivenName = Clean(incoming.GivenName),
        FamilyName = Clean(incoming.FamilyName),
        MiddleName = Clean(incoming.MiddleName),
        Roles = incoming.Roles,
        Grade = Clean(incoming.Grade),
        GraduationYear = incoming.GraduationYear,
        Sms = Clean(incoming.Sms),
        Phone = Clean(incoming.Phone),
        Origin = Origins.Synced,
        AccountState = AccountStates.Invitee,
        Links = LinksFor(SourceLinks.None, incoming, linkKind),
    };

    /// <summary>
    /// R2, R5, R7, R8, R9 and R16 for a matched person: the updated record and each field it changed.
    /// <paramref name="emailMayChange"/> is false when the new email belongs to someone else (R3).
    /// </summary>
    public static (PersonRecord Updated, List<FieldChange> Changes) Update(
        PersonRecord existing, SourcePerson incoming, string? normalizedEmail, MatchKind match, SyncSettings settings, string linkKind)
    {
        var changes = new List<FieldChange>();
        var p = existing;

        // R5: a manual person found in the source is adopted.
        if (p.Origin == Origins.Manual)
        {
            changes.Add(new("origin", p.Origin, Origins.Synced, "R5"));
            p = p with { Origin = Origins.Synced };
        }

        // R2: the source links become what the source sends now.
        var links = LinksFor(p.Links, incoming, linkKind);
        if (!ReferenceEquals(links, p.Links))
        {
            if (links.Get(linkKind) != p.Links.Get(linkKind))
                changes.Add(new($"sourceIds.{linkKind}", p.Links.Get(linkKind), links.Get(linkKind), "R2"));
            if (linkKind != LinkKinds.Sis && links.Sis != p.Links.Sis)
                changes.Add(new($"sourceIds.{LinkKinds.Sis}", p.Links.Sis, links.Sis, "R2"));
            p = p with { Links = links };
        }

        if (!HoldsAll(p.Roles, incoming.Roles))
        {
            var roles = p.Roles.Union(incoming.Roles).ToList();
            if (roles.Count != p.Roles.Count)
            {
                changes.Add(new("roles", string.Join(',', p.Roles), string.Join(',', roles), "R7"));
                p = p with { Roles = roles };
            }
        }

        // R8: contact details of people who have signed in stand unless the district says otherwise.
        var contactsSynced = p.AccountState != AccountStates.Active || settings.UpdateActiveUsers;
        var isStudent = PeopleSteps.Has(incoming.Roles, Roles.Student);
        var isContactRole = !PeopleSteps.OnlyRole(incoming.Roles, Roles.Student);

        if (contactsSynced)
        {
            p = Set(p, "givenName", p.GivenName, incoming.GivenName, (r, v) => r with { GivenName = v }, settings, changes);
            p = Set(p, "familyName", p.FamilyName, incoming.FamilyName, (r, v) => r with { FamilyName = v }, settings, changes);
            p = Set(p, "middleName", p.MiddleName, incoming.MiddleName, (r, v) => r with { MiddleName = v }, settings, changes);
            if (match == MatchKind.BySourceLink && normalizedEmail is not null && normalizedEmail != p.NormalizedEmail)
            {
                // R3: the source link matched, so this is the same person with a new email.
                changes.Add(new("email", p.Email, incoming.Email?.Trim(), "R3"));
                p = p with { Email = incoming.Email?.Trim(), NormalizedEmail = normalizedEmail };
            }
            else if (normalizedEmail is not null && incoming.Email?.Trim() != p.Email && normalizedEmail == p.NormalizedEmail)
            {
                changes.Add(new("email", p.Email, incoming.Email?.Trim(), "R7"));
                p = p with { Email = incoming.Email?.Trim() };
            }
            if (isContactRole)
            {
                p = Set(p, "sms", p.Sms, incoming.Sms, (r, v) => r with { Sms = v }, settings, changes);
                p = Set(p, "phone", p.Phone, incoming.Phone, (r, v) => r with { Phone = v }, settings, changes);
            }
        }

        if (isStudent)
        {
            p = Set(p, "grade", p.Grade, incoming.Grade, (r, v) => r with { Grade = v }, settings, changes);
            if (incoming.GraduationYear != p.GraduationYear && (incoming.GraduationYear is not null || settings.Overwrites("graduationYear")))
            {
                changes.Add(new("graduationYear", Text(p.GraduationYear), Text(incoming.GraduationYear), "R7"));
                p = p with { GraduationYear = incoming.GraduationYear };
            }
        }

        // R16: a record that comes back is restored.
        if (p.Status == RecordStatus.Archived)
        {
            changes.Add(new("status", p.Status, RecordStatus.Active, "R16"));
            p = p with { Status = RecordStatus.Active };
        }
        return (p, changes);
    }

    /// <summary>R7 with R9: an empty incoming value blanks the stored one only when the field's overwrite is on.</summary>
    private static PersonRecord Set(
        PersonRecord p, string field, string? before, string? incoming, Func<PersonRecord, string?, PersonRecord> with,
        SyncSettings settings, List<FieldChange> changes)
    {
        var after = Clean(incoming);
        if (after == before) return p;
        if (after is null && !settings.Overwrites(field)) return p;
        changes.Add(new(field, before, after, after is null ? "R9" : "R7"));
        return with(p, after);
    }

    private static SourceLinks LinksFor(SourceLinks current, SourcePerson incoming, string linkKind)
    {
        var links = current.With(linkKind, incoming.SourceId);
        return linkKind == LinkKinds.Sis ? links : links.With(LinkKinds.Sis, Clean(incoming.SisId) ?? current.Sis);
    }

    internal static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>
    /// True when the union of <paramref name="current"/> and <paramref name="incoming"/> is <paramref name="current"/> itself
    /// (no repeats, nothing new): the common case, answered without building the union.
    /// </summary>
    private static bool HoldsAll(IReadOnlyList<string> current, IReadOnlyList<string> incoming)
    {
        for (var i = 0; i < current.Count; i++)
            for (var k = 0; k < i; k++)
                if (current[k] == current[i]) return false;
        foreach (var role in incoming)
            if (!PeopleSteps.Has(current, role)) return false;
        return true;
    }

    private static string? Text(int? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
