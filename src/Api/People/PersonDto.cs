using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.People;

/// <summary>The person shape of SPEC §8. <c>schoolIds</c> are the schools of the person's active memberships.</summary>
public sealed record PersonDto(
    Guid Id, string? Email, string? GivenName, string? FamilyName, string? MiddleName, [property: Closed(nameof(Vocabularies.Role))] IReadOnlyList<string> Roles,
    string? Grade, int? GraduationYear, string? Sms, string? Phone, string? Language, string? Room,
    [property: Closed(nameof(Vocabularies.RecordStatus))] string Status, [property: Closed(nameof(Vocabularies.Origin))] string Origin, [property: Closed(nameof(Vocabularies.AccountState))] string AccountState, SourceIds SourceIds, IReadOnlyList<Guid> SchoolIds,
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
    /// <summary>
    /// One query per page: each person joined (LEFT JOIN LATERAL) with its distinct active schools, one row per
    /// person and school, folded back into one <see cref="PersonRow"/> per person. A nested <c>ToList()</c> in the
    /// projection sends the same SQL, but EF's collection shaper compiles delegates for every row it reads
    /// (DynamicMethod.CreateDelegate led the Api's CPU profile of GET people; docs/benchmarks.md, "Api reads").
    /// </summary>
    public static async Task<List<PersonRow>> ReadRowsAsync(this IQueryable<Person> people, RosterDbContext db, CancellationToken ct)
    {
        var flat = await (
                from p in people.AsNoTracking()
                from schoolId in db.Memberships.Where(m => m.DistrictId == p.DistrictId && m.PersonId == p.Id && m.EndedAt == null)
                    .Select(m => (Guid?)m.SchoolId).Distinct().DefaultIfEmpty()
                select new { Person = p, SchoolId = schoolId, Version = EF.Property<uint>(p, RowVersion.Property) })
            .OrderBy(r => r.Person.Id)
            .ToListAsync(ct);
        var rows = new List<PersonRow>(flat.Count);
        foreach (var r in flat)
        {
            if (rows.Count == 0 || rows[^1].Person.Id != r.Person.Id) rows.Add(new PersonRow(r.Person, [], r.Version));
            if (r.SchoolId is { } schoolId) rows[^1].SchoolIds.Add(schoolId);
        }
        // Sorted here rather than in SQL: ORDER BY id, school_id adds a sort step to every page, ORDER BY id does not.
        foreach (var row in rows) row.SchoolIds.Sort();
        return rows;
    }

    public static async Task<PersonRow?> ReadRowAsync(this IQueryable<Person> people, RosterDbContext db, CancellationToken ct) =>
        (await people.ReadRowsAsync(db, ct)).SingleOrDefault();
}

/// <summary>A person seen through a link: a guardian of a student, or a student of a guardian.</summary>
public sealed record LinkedPersonDto(Guid LinkId, string? Relationship, [property: Closed(nameof(Vocabularies.Origin))] string Origin, PersonDto Person);
