using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Linq.Expressions;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;

namespace RosterSync.Api.Classes;

public sealed record ClassDto(
    Guid Id, Guid? SchoolId, string Name, string? Grade, string? Subject, Guid? TermId, Guid? CourseId, bool IsHomeroom,
    [property: Closed(nameof(Vocabularies.RecordStatus))] string Status, [property: Closed(nameof(Vocabularies.Origin))] string Origin, SourceIds SourceIds, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static readonly Expression<Func<Class, ClassDto>> Project = c => new ClassDto(
        c.Id, c.SchoolId, c.Name, c.Grade, c.Subject, c.TermId, c.CourseId, c.IsHomeroom, c.Status, c.Origin,
        new SourceIds(c.SisId, c.OneRosterId, c.CleverId, c.ClassLinkId), c.CreatedAt, c.UpdatedAt);

    private static readonly Func<Class, ClassDto> Compiled = Project.Compile();

    public static ClassDto From(Class c) => Compiled(c);
}

public sealed record EnrollmentDto(
    Guid Id, Guid ClassId, Guid PersonId, [property: Closed(nameof(Vocabularies.EnrollmentRole))] string Role, [property: Closed(nameof(Vocabularies.Origin))] string Origin, bool Active, DateTimeOffset CreatedAt, DateTimeOffset? EndedAt)
{
    public static readonly Expression<Func<Enrollment, EnrollmentDto>> Project = e => new EnrollmentDto(
        e.Id, e.ClassId, e.PersonId, e.Role, e.Origin, e.EndedAt == null, e.CreatedAt, e.EndedAt);

    private static readonly Func<Enrollment, EnrollmentDto> Compiled = Project.Compile();

    public static EnrollmentDto From(Enrollment e) => Compiled(e);
}

public sealed record ClassQuery(
    [property: OneOf(nameof(Vocabularies.RecordStatus))] string? Status,
    Guid? SchoolId,
    bool? Homeroom,
    [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public sealed record EnrollmentQuery(bool? IncludeEnded, [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public sealed record CreateClass(
    [property: Required, StringLength(200, MinimumLength = 1)] string Name, Guid? SchoolId, string? Grade, string? Subject, bool IsHomeroom);

/// <summary>
/// PATCH body: a field left out or null is unchanged. <c>coTeacherIds</c> is the whole set of co-teachers added by
/// hand: people added get a manual co-teacher enrollment, manual ones left out are ended. A synced class takes only
/// name, isHomeroom and coTeacherIds (R19). Any other member is refused (<see cref="PatchBody"/>).
/// </summary>
public sealed record ClassPatch(
    [property: StringLength(200, MinimumLength = 1), Description("Left out or null: unchanged. Cannot be empty.")] string? Name,
    [property: Description("Left out or null: unchanged. ")] bool? IsHomeroom,
    [property: Description("Left out or null: unchanged. An empty string clears it. A synced class refuses it (409, R19).")] string? Grade,
    [property: Description("Left out or null: unchanged. An empty string clears it. A synced class refuses it (409, R19).")] string? Subject,
    [property: Description("Left out or null: unchanged. Otherwise the whole set of co-teachers added by hand: [] ends them all.")] IReadOnlyList<Guid>? CoTeacherIds)
    : PatchBody;

public sealed record CreateEnrollment(Guid PersonId, [property: Closed(nameof(Vocabularies.EnrollmentRole))] string? Role);
