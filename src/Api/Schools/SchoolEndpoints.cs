using System.ComponentModel.DataAnnotations;
using System.Linq.Expressions;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Auth;
using RosterSync.Api.History;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Schools;

public sealed record SchoolDto(
    Guid Id, string Name, string? Identifier, string Status, string Origin, SourceIds SourceIds, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static readonly Expression<Func<School, SchoolDto>> Project = s => new SchoolDto(
        s.Id, s.Name, s.Identifier, s.Status, s.Origin, new SourceIds(s.SisId, s.OneRosterId, s.CleverId, s.ClassLinkId), s.CreatedAt, s.UpdatedAt);

    private static readonly Func<School, SchoolDto> Compiled = Project.Compile();

    public static SchoolDto From(School school) => Compiled(school);
}

public sealed record SchoolQuery(
    [property: OneOf(RecordStatus.Active, RecordStatus.Archived)] string? Status,
    [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public sealed record CreateSchool([property: Required, StringLength(200, MinimumLength = 1)] string Name, [property: StringLength(100)] string? Identifier);

public sealed record SchoolPatch([property: StringLength(200, MinimumLength = 1)] string? Name);

public static class SchoolEndpoints
{
    private static readonly RecordOf School = new(Entities.School);

    public static RouteGroupBuilder MapSchools(this IEndpointRouteBuilder app)
    {
        var schools = app.MapGroup("/api/v1/districts/{districtId:guid}/schools").WithTags("Schools");
        schools.MapGet("/", ListSchools).RequireScope(Scopes.RosterRead).WithName("ListSchools");
        schools.MapGet("/{id:guid}", async Task<Results<Ok<SchoolDto>, ProblemHttpResult>> (Guid districtId, Guid id, RosterDbContext db, CancellationToken ct) =>
            await db.Schools.AsNoTracking().Where(s => s.DistrictId == districtId && s.Id == id).Select(SchoolDto.Project).SingleOrDefaultAsync(ct)
                is { } school ? TypedResults.Ok(school) : Problems.NotFound())
            .RequireScope(Scopes.RosterRead, School).WithName("GetSchool");
        schools.MapPost("/", CreateSchool).RequireScope(Scopes.RosterWrite).WithIdempotency().WithName("CreateSchool");
        schools.MapPatch("/{id:guid}", PatchSchool).RequireScope(Scopes.RosterWrite, School).WithName("PatchSchool")
            .WithSummary("Rename a school (a sync may rename a synced school again)");
        return schools;
    }

    private static async Task<Results<Ok<Page<SchoolDto>>, ValidationProblem>> ListSchools(
        Guid districtId, [AsParameters] SchoolQuery query, RosterDbContext db, CancellationToken ct)
    {
        if (!Cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var rows = await db.Schools.AsNoTracking()
            .Where(s => s.DistrictId == districtId && (query.Status == null || s.Status == query.Status) && (after == null || s.Id > after))
            .OrderBy(s => s.Id).TakePage(query).Select(SchoolDto.Project).ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), s => Cursor.Of(s.Id)));
    }

    private static async Task<Created<SchoolDto>> CreateSchool(
        Guid districtId, CreateSchool request, ClaimsPrincipal user, RosterDbContext db, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var school = new School
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Name = request.Name.Trim(), Identifier = request.Identifier?.Trim(),
            Origin = Origins.Manual, Status = RecordStatus.Active, CreatedAt = now, UpdatedAt = now,
        };
        db.Schools.Add(school);
        RecordHistory.Record(db, user, districtId, Entities.School, school.Id, ChangeActions.Created, [], now);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/districts/{districtId}/schools/{school.Id}", SchoolDto.From(school));
    }

    private static async Task<Results<Ok<SchoolDto>, ProblemHttpResult>> PatchSchool(
        Guid districtId, Guid id, SchoolPatch patch, ClaimsPrincipal user, RosterDbContext db, CancellationToken ct)
    {
        var school = await db.Schools.SingleAsync(s => s.DistrictId == districtId && s.Id == id, ct);
        if (patch.Name?.Trim() is { } name && name != school.Name)
        {
            var now = DateTimeOffset.UtcNow;
            RecordHistory.Record(db, user, districtId, Entities.School, id, ChangeActions.Updated, [new FieldEdit("name", school.Name, name)], now);
            school.Name = name;
            school.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(SchoolDto.From(school));
    }
}
