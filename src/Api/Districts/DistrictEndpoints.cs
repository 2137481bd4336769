using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Districts;

public sealed record CreateDistrict([property: Required, StringLength(200, MinimumLength = 1)] string Name);

public sealed record DistrictDto(Guid Id, string Name, DateTimeOffset CreatedAt);

public sealed record DistrictQuery([property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public static class DistrictEndpoints
{
    public static RouteGroupBuilder MapDistricts(this IEndpointRouteBuilder app)
    {
        var districts = app.MapGroup("/api/v1/districts").WithTags("Districts");

        districts.MapPost("/", async Task<Created<DistrictDto>> (CreateDistrict request, RosterDbContext db, CancellationToken ct) =>
        {
            var district = new District { Id = Guid.CreateVersion7(), Name = request.Name.Trim(), CreatedAt = DateTimeOffset.UtcNow };
            db.Districts.Add(district);
            await db.SaveChangesAsync(ct);
            return TypedResults.Created($"/api/v1/districts/{district.Id}", new DistrictDto(district.Id, district.Name, district.CreatedAt));
        }).RequireScope(Scopes.Operator).WithIdempotency().WithName("CreateDistrict");

        districts.MapGet("/", ListDistricts).RequireScope(Scopes.Operator).WithName("ListDistricts");

        districts.MapGet("/{districtId:guid}", async Task<Results<Ok<DistrictDto>, ProblemHttpResult>> (Guid districtId, RosterDbContext db, CancellationToken ct) =>
            await db.Districts.AsNoTracking().Where(d => d.Id == districtId).Select(d => new DistrictDto(d.Id, d.Name, d.CreatedAt))
                .SingleOrDefaultAsync(ct) is { } district ? TypedResults.Ok(district) : Problems.NotFound())
            .RequireScope(Scopes.RosterRead).WithName("GetDistrict");

        return districts;
    }

    private static async Task<Results<Ok<Page<DistrictDto>>, ValidationProblem>> ListDistricts(
        [AsParameters] DistrictQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var rows = await db.Districts.AsNoTracking()
            .Where(d => after == null || d.Id > after)
            .OrderBy(d => d.Id)
            .TakePage(query)
            .Select(d => new DistrictDto(d.Id, d.Name, d.CreatedAt))
            .ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), d => cursor.Of(d.Id)));
    }
}
