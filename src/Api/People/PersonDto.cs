using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.People;

/// <summary>The person shape of SPEC §8. <c>schoolIds</c> are the schools of the person's active memberships.</summary>
public sealed record PersonDto(
    Guid Id, string? Email, string? GivenName, string? FamilyName, string? MiddleName, IReadOnlyList<string> Roles,
    string? Grade, int? GraduationYear, string? Sms, string? Phone, string? Language, string? Room,
    string Status, string Origin, string AccountState, SourceIds SourceIds, IReadOnlyList<Guid> SchoolIds,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static PersonDto From(Person p, IReadOnlyList<Guid> schoolIds) => new(
        p.Id, p.Email, p.GivenName, p.FamilyName, p.MiddleName, p.Roles, p.Grade, p.GraduationYear, p.Sms, p.Phone, p.Language, p.Room,
        p.Status, p.Origin, p.AccountState, new SourceIds(p.SisId, p.OneRosterId, p.CleverId, p.ClassLinkId), schoolIds, p.CreatedAt, p.UpdatedAt);

    public static PersonDto From(PersonRow row) => From(row.Person, row.SchoolIds);
}

/// <summary>A person as read for an answer: the row, its active schools and its row version (the ETag).</summary>
public sealed record PersonRow(Person Person, List<Guid> SchoolIds, uint Version);

public static class PersonQueries
{
    /// <summary>One query per page: the people and, as a correlated list, their active schools.</summary>
    public static IQueryable<PersonRow> Rows(this IQueryable<Person> people, RosterDbContext db) =>
        people.AsNoTracking().Select(p => new PersonRow(
            p,
            db.Memberships.Where(m => m.PersonId == p.Id && m.EndedAt == null).Select(m => m.SchoolId).Distinct().ToList(),
            EF.Property<uint>(p, RowVersion.Property)));
}

/// <summary>A person seen through a link: a guardian of a student, or a student of a guardian.</summary>
public sealed record LinkedPersonDto(Guid LinkId, string? Relationship, string Origin, PersonDto Person);
