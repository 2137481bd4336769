using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;

namespace RosterSync.Api.People;

/// <summary>GET people filters (SPEC §7). <c>q</c> matches a part of the name or email, ignoring case.</summary>
public sealed record PeopleQuery(
    [property: OneOf(nameof(Vocabularies.Role))] string? Role,
    [property: OneOf(nameof(Vocabularies.RecordStatus))] string? Status,
    string? Email,
    Guid? SchoolId,
    [property: StringLength(200)] string? Q,
    DateTimeOffset? ModifiedSince,
    [property: PageLimit] int? Limit,
    string? Cursor) : IPageQuery;

public sealed record LinkQuery([property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public sealed record CreatePerson(
    string? Email, string? GivenName, string? FamilyName, string? MiddleName, [property: Closed(nameof(Vocabularies.Role))] IReadOnlyList<string>? Roles,
    string? Grade, int? GraduationYear, string? Sms, string? Phone, string? Language, string? Room, IReadOnlyList<Guid>? SchoolIds);

/// <summary>
/// PATCH body: a field left out or null is unchanged; an empty string clears a text field. Any other member (status,
/// roles, …) is refused (<see cref="PatchBody"/>).
/// </summary>
public sealed record PersonPatch(
    [property: Description("Left out or null: unchanged. Cannot be cleared.")] string? Email,
    [property: Description("Left out or null: unchanged. Cannot be cleared.")] string? GivenName,
    [property: Description("Left out or null: unchanged. Cannot be cleared.")] string? FamilyName,
    [property: Description(PersonPatch.Clearable)] string? MiddleName,
    [property: Description(PersonPatch.Clearable)] string? Grade,
    [property: Description("Left out or null: unchanged. Cannot be cleared.")] int? GraduationYear,
    [property: Description(PersonPatch.Clearable)] string? Sms,
    [property: Description(PersonPatch.Clearable)] string? Phone,
    [property: Description(PersonPatch.Clearable)] string? Language,
    [property: Description(PersonPatch.Clearable)] string? Room) : PatchBody
{
    internal const string Clearable = "Left out or null: unchanged. An empty string clears it.";

    /// <summary>The value sent for <paramref name="field"/> as text (null: left out).</summary>
    public string? Value(PersonField field) => field.Name switch
    {
        "email" => Email, "givenName" => GivenName, "familyName" => FamilyName, "middleName" => MiddleName, "grade" => Grade,
        "graduationYear" => PersonField.YearText(GraduationYear), "sms" => Sms, "phone" => Phone, "language" => Language, "room" => Room,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field.Name, "PersonPatch has no member for this field"),
    };
}

public sealed record CreateGuardianLink(Guid GuardianId, string? Relationship);
