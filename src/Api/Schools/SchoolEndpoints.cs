using System.ComponentModel;
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
    Guid Id, string Name, string? Identifier, [property: Closed(nameof(Vocabularies.RecordStatus))] string Status, [property: Closed(nameof(Vocabularies.Origin))] string Origin, SourceIds SourceIds, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static readonly Expression<Func<School, SchoolDto>> Project = s => new SchoolDto(
        s.Id, s.Name, s.Identifier, s.Status, s.Origin, new SourceIds(s.SisId, s.OneRosterId, s.CleverId, s.ClassLinkId), s.CreatedAt, s.UpdatedAt);

    private static readonly Func<School, SchoolDto> Compiled = Project.Compile();

    public static SchoolDto From(School school) => Compiled(school);
}

public sealed record SchoolQuery(
    [property: OneOf(nameof(Vocabularies.RecordStatus))] string? Status,
    [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public sealed record CreateSchool([property: Required, StringLength(200, MinimumLength = 1)] string Name, [property: StringLength(100)] string? Identifier);

/// <summary>PATCH body: only the name; any other member is refused (<see cref="PatchBody"/>).</summary>
public sealed record SchoolPatch([property: StringLength(200, MinimumLength = 1), Description("Left out or null: unchanged. Cannot be empty.")] string? Name) : PatchBody;

public static class SchoolEndpoints
{
    private static readonly RecordOf School = new(Entities.School);

    public static RouteGroupBuilder MapSchools(this IEndpointRouteBuilder app)
    {
        var schools = app.MapGroup("/api/v1/districts/{districtId:guid}/schools").WithTags("Schools");
        schools.MapGet("/", ListSchools).RequireScope(Scopes.RosterRead).WithName("ListSchools");
        schools.MapGet("/{id:guid}", GetSchool).RequireScope(Scopes.RosterRead, School).WithName("GetSchool").WithETag();
        schools.MapPost("/", CreateSchool).RequireScope(Scopes.RosterWrite).WithIdempotency().WithName("CreateSchool");
        schools.MapPatch("/{id:guid}", PatchSchool).RequireScope(Scopes.RosterWrite, School).WithName("PatchSchool").WithETag().ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Rename a school (a sync may rename a synced school again)");
        return schools;
    }

    private static async Task<Results<Ok<Page<SchoolDto>>, ValidationProblem>> ListSchools(
        Guid districtId, [AsParameters] SchoolQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var rows = await db.Schools.AsNoTracking()
            .Where(s => s.DistrictId == districtId && (query.Status == null || s.Status == query.Status) && (after == null || s.Id > after))
            .OrderBy(s => s.Id).TakePage(query).Select(SchoolDto.Project).ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), s => cursor.Of(s.Id)));
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

    private static Task<Versioned<School>?> FindAsync(RosterDbContext db, Guid districtId, Guid id, CancellationToken ct) =>
        db.Schools.Where(s => s.DistrictId == districtId && s.Id == id).SingleVersionedAsync(ct);

    private static async Task<Results<Ok<SchoolDto>, ProblemHttpResult>> GetSchool(
        Guid districtId, Guid id, RosterDbContext db, HttpResponse response, CancellationToken ct)
    {
        if (await FindAsync(db, districtId, id, ct) is not { } row) return Problems.NotFound();
        ETags.Set(response, row.Version);
        return TypedResults.Ok(SchoolDto.From(row.Record));
    }

    private static async Task<Results<Ok<SchoolDto>, ValidationProblem, ProblemHttpResult>> PatchSchool(
        Guid districtId, Guid id, SchoolPatch patch, ClaimsPrincipal user, HttpContext http, RosterDbContext db, CancellationToken ct)
    {
        if (await FindAsync(db, districtId, id, ct) is not { } row) return Problems.NotFound();
        if (!ETags.IfMatchAllows(http.Request, row.Version)) return Problems.PreconditionFailed();
        if (patch.Name?.Trim() is { } name && name != row.Record.Name)
        {
            var now = DateTimeOffset.UtcNow;
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var updated = await db.Schools.Where(s => s.Id == id && s.DistrictId == districtId).StillAt(http.Request, row.Version)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Name, name).SetProperty(x => x.UpdatedAt, now), ct);
            if (updated == 0) return Problems.PreconditionFailed();
            RecordHistory.Record(db, user, districtId, Entities.School, id, ChangeActions.Updated, [new FieldEdit("name", row.Record.Name, name)], now);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            row = (await FindAsync(db, districtId, id, ct))!;
        }
        ETags.Set(http.Response, row.Version);
        return TypedResults.Ok(SchoolDto.From(row.Record));
    }
}
