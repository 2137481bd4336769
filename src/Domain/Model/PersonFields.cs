using System.Globalization;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Model;

/// <summary>Whose value of a person field a sync manages (R7): for everyone else, an edit through the Api always stands.</summary>
public enum SyncManagedFor
{
    /// <summary>No source sends it (room, language).</summary>
    Nobody,
    Everyone,
    /// <summary>People with the student role (grade, graduation year).</summary>
    Students,
    /// <summary>People with a role other than student: staff and guardians (sms, phone).</summary>
    NonStudents,
}

/// <summary>
/// One field of a person as the sync, revert, the Api's PATCH, the applier and the fingerprint see it. Values are text: the form
/// the change journal keeps (a year in invariant digits).
/// </summary>
public sealed class PersonField
{
    /// <summary>The Api's and the change journal's name (camelCase).</summary>
    public required string Name { get; init; }
    /// <summary>The column of <c>people</c>.</summary>
    public required string Column { get; init; }
    /// <summary>The property of <see cref="Person"/> (EF).</summary>
    public required string Property { get; init; }
    public required SyncManagedFor ManagedFor { get; init; }
    /// <summary>R8: a contact detail; the sync leaves it alone for people who signed in unless updateActiveUsers is on.</summary>
    public bool Contact { get; init; }
    /// <summary>Held as an integer (graduation year) rather than text: its value without the text round trip.</summary>
    public Func<PersonRecord, int?>? GetInteger { get; init; }
    public bool IsNumber => GetInteger is not null;
    public required Func<PersonRecord, string?> Get { get; init; }
    public required Func<PersonRecord, string?, PersonRecord> With { get; init; }
    public required Func<Person, string?> Stored { get; init; }
    /// <summary>What the source sends for it; null for a field no source sends.</summary>
    public Func<SourcePerson, string?>? FromSource { get; init; }

    /// <summary>Whether a sync manages this field of a person with <paramref name="roles"/> (R7).</summary>
    public bool IsManagedFor(IReadOnlyList<string> roles) => ManagedFor switch
    {
        SyncManagedFor.Everyone => roles.Count > 0,
        SyncManagedFor.Students => HasRole(roles, Roles.Student),
        SyncManagedFor.NonStudents => HasOtherRole(roles, Roles.Student),
        _ => false,
    };

    public static int? ParseYear(string? value) => value is null ? null : int.Parse(value, CultureInfo.InvariantCulture);
    public static string? YearText(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    // Index loops: called per field for a million people in a run.
    private static bool HasRole(IReadOnlyList<string> roles, string role)
    {
        for (var i = 0; i < roles.Count; i++)
            if (roles[i] == role) return true;
        return false;
    }

    private static bool HasOtherRole(IReadOnlyList<string> roles, string role)
    {
        for (var i = 0; i < roles.Count; i++)
            if (roles[i] != role) return true;
        return false;
    }
}

/// <summary>
/// The person fields, in the order the sync decides them (and so the order of a run's changes). Adding a field means a row here
/// plus its property on <see cref="Person"/>, <see cref="PersonRecord"/>, the source record and the Api's DTOs.
/// </summary>
public static class PersonFields
{
    public static readonly PersonField GivenName = new()
    {
        Name = "givenName", Column = "given_name", Property = nameof(Person.GivenName), ManagedFor = SyncManagedFor.Everyone, Contact = true,
        Get = p => p.GivenName, With = (p, v) => p with { GivenName = v }, Stored = p => p.GivenName, FromSource = s => s.GivenName,
    };

    public static readonly PersonField FamilyName = new()
    {
        Name = "familyName", Column = "family_name", Property = nameof(Person.FamilyName), ManagedFor = SyncManagedFor.Everyone, Contact = true,
        Get = p => p.FamilyName, With = (p, v) => p with { FamilyName = v }, Stored = p => p.FamilyName, FromSource = s => s.FamilyName,
    };

    public static readonly PersonField MiddleName = new()
    {
        Name = "middleName", Column = "middle_name", Property = nameof(Person.MiddleName), ManagedFor = SyncManagedFor.Everyone, Contact = true,
        Get = p => p.MiddleName, With = (p, v) => p with { MiddleName = v }, Stored = p => p.MiddleName, FromSource = s => s.MiddleName,
    };

    /// <summary>Also the match key (R1, R3): its normalized form is kept beside it, and the rules decide it themselves.</summary>
    public static readonly PersonField Email = new()
    {
        Name = "email", Column = "email", Property = nameof(Person.Email), ManagedFor = SyncManagedFor.Everyone, Contact = true,
        Get = p => p.Email, With = (p, v) => p with { Email = v, NormalizedEmail = EmailNormalizer.Normalize(v) }, Stored = p => p.Email,
        FromSource = s => s.Email,
    };

    public static readonly PersonField Sms = new()
    {
        Name = "sms", Column = "sms", Property = nameof(Person.Sms), ManagedFor = SyncManagedFor.NonStudents, Contact = true,
        Get = p => p.Sms, With = (p, v) => p with { Sms = v }, Stored = p => p.Sms, FromSource = s => s.Sms,
    };

    public static readonly PersonField Phone = new()
    {
        Name = "phone", Column = "phone", Property = nameof(Person.Phone), ManagedFor = SyncManagedFor.NonStudents, Contact = true,
        Get = p => p.Phone, With = (p, v) => p with { Phone = v }, Stored = p => p.Phone, FromSource = s => s.Phone,
    };

    public static readonly PersonField Grade = new()
    {
        Name = "grade", Column = "grade", Property = nameof(Person.Grade), ManagedFor = SyncManagedFor.Students,
        Get = p => p.Grade, With = (p, v) => p with { Grade = v }, Stored = p => p.Grade, FromSource = s => s.Grade,
    };

    public static readonly PersonField GraduationYear = new()
    {
        Name = "graduationYear", Column = "graduation_year", Property = nameof(Person.GraduationYear), ManagedFor = SyncManagedFor.Students,
        GetInteger = p => p.GraduationYear, Get = p => PersonField.YearText(p.GraduationYear), With = (p, v) => p with { GraduationYear = PersonField.ParseYear(v) },
        Stored = p => PersonField.YearText(p.GraduationYear), FromSource = s => PersonField.YearText(s.GraduationYear),
    };

    public static readonly PersonField Language = new()
    {
        Name = "language", Column = "language", Property = nameof(Person.Language), ManagedFor = SyncManagedFor.Nobody,
        Get = p => p.Language, With = (p, v) => p with { Language = v }, Stored = p => p.Language,
    };

    public static readonly PersonField Room = new()
    {
        Name = "room", Column = "room", Property = nameof(Person.Room), ManagedFor = SyncManagedFor.Nobody,
        Get = p => p.Room, With = (p, v) => p with { Room = v }, Stored = p => p.Room,
    };

    public static readonly IReadOnlyList<PersonField> All = [GivenName, FamilyName, MiddleName, Email, Sms, Phone, Grade, GraduationYear, Language, Room];

    private static readonly Dictionary<string, PersonField> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static PersonField? Find(string name) => ByName.GetValueOrDefault(name);
}
