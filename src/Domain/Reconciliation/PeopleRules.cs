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
        foreach (var field in PersonFields.All)
        {
            if (field.FromSource is null || !field.IsManagedFor(incoming.Roles) || (field.Contact && !contactsSynced)) continue;
            if (field == PersonFields.Email) p = SetEmail(p, incoming, normalizedEmail, match, changes);
            else p = Set(p, field, field.FromSource(incoming), settings, changes);
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
    private static PersonRecord Set(PersonRecord p, PersonField field, string? incoming, SyncSettings settings, List<FieldChange> changes)
    {
        var before = field.Get(p);
        var after = Clean(incoming);
        if (after == before) return p;
        if (after is null && !settings.Overwrites(field.Name)) return p;
        changes.Add(new(field.Name, before, after, after is null ? "R9" : "R7"));
        return field.With(p, after);
    }

    /// <summary>
    /// The email is the match key: a source link match with a new email is the same person with a new email (R3); otherwise only
    /// its spelling may change (R7), and an empty one never blanks it.
    /// </summary>
    private static PersonRecord SetEmail(PersonRecord p, SourcePerson incoming, string? normalizedEmail, MatchKind match, List<FieldChange> changes)
    {
        var email = incoming.Email?.Trim();
        if (match == MatchKind.BySourceLink && normalizedEmail is not null && normalizedEmail != p.NormalizedEmail)
        {
            changes.Add(new(PersonFields.Email.Name, p.Email, email, "R3"));
            return p with { Email = email, NormalizedEmail = normalizedEmail };
        }
        if (normalizedEmail is not null && email != p.Email && normalizedEmail == p.NormalizedEmail)
        {
            changes.Add(new(PersonFields.Email.Name, p.Email, email, "R7"));
            return p with { Email = email };
        }
        return p;
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
}
