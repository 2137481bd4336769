using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Auth;
using RosterSync.Api.Classes;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Enrollments;

public sealed record EnrollmentListQuery(
    Guid? PersonId,
    Guid? ClassId,
    [property: OneOf(nameof(Vocabularies.EnrollmentRole))] string? Role,
    bool? IncludeEnded,
    [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

/// <summary>
/// The district's enrollments across classes (SPEC §7), for integrators that mirror the roster table by table.
/// Writes go through the class (POST classes/{classId}/enrollments), where R19 is checked.
/// </summary>
public static class EnrollmentEndpoints
{
    public static RouteGroupBuilder MapEnrollments(this IEndpointRouteBuilder app)
    {
        var enrollments = app.MapGroup("/api/v1/districts/{districtId:guid}/enrollments").WithTags("Enrollments");
        enrollments.MapGet("/", ListAllEnrollments).RequireScope(Scopes.RosterRead).WithName("ListDistrictEnrollments")
            .WithSummary("Enrollments of the district, active ones unless includeEnded; filters personId, classId, role");
        enrollments.MapGet("/{id:guid}", async Task<Results<Ok<EnrollmentDto>, ProblemHttpResult>> (Guid districtId, Guid id, RosterDbContext db, CancellationToken ct) =>
                await db.Enrollments.AsNoTracking().Where(e => e.DistrictId == districtId && e.Id == id).Select(EnrollmentDto.Project).SingleOrDefaultAsync(ct)
                    is { } enrollment ? TypedResults.Ok(enrollment) : Problems.NotFound())
            .RequireScope(Scopes.RosterRead, new RecordOf(Entities.Enrollment)).WithName("GetEnrollment");
        return enrollments;
    }

    private static async Task<Results<Ok<Page<EnrollmentDto>>, ValidationProblem>> ListAllEnrollments(
        Guid districtId, [AsParameters] EnrollmentListQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var rows = await db.Enrollments.AsNoTracking()
            .Where(e => e.DistrictId == districtId && (after == null || e.Id > after)
                && (query.PersonId == null || e.PersonId == query.PersonId) && (query.ClassId == null || e.ClassId == query.ClassId)
                && (query.Role == null || e.Role == query.Role) && (query.IncludeEnded == true || e.EndedAt == null))
            .OrderBy(e => e.Id).TakePage(query).Select(EnrollmentDto.Project).ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), e => cursor.Of(e.Id)));
    }
}
