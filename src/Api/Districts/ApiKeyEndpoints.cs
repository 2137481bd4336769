using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Districts;

public sealed record CreateApiKey([property: Required, StringLength(200, MinimumLength = 1)] string Name, [property: Closed(nameof(Vocabularies.Scope))] IReadOnlyList<string>? Scopes);

/// <summary>The one answer that shows a key; only its hash is kept.</summary>
public sealed record CreatedApiKey(Guid Id, string Key, string Name, [property: Closed(nameof(Vocabularies.Scope))] IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt);

public sealed record ApiKeyDto(Guid Id, string Name, [property: Closed(nameof(Vocabularies.Scope))] IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

public sealed record ApiKeyQuery([property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public static class ApiKeyEndpoints
{
    public static RouteGroupBuilder MapApiKeys(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/v1/districts/{districtId:guid}/api-keys").WithTags("ApiKeys");
        keys.MapPost("/", CreateKey).RequireScope(Scopes.Operator).WithIdempotency().WithName("CreateApiKey")
            .WithSummary("Create a district key; the key is in this answer only");
        keys.MapGet("/", ListKeys).RequireScope(Scopes.Operator).WithName("ListApiKeys");
        keys.MapDelete("/{id:guid}", async Task<NoContent> (Guid districtId, Guid id, RosterDbContext db, ApiKeyCache cache, ILogger<ApiKey> logger, CancellationToken ct) =>
        {
            var now = DateTimeOffset.UtcNow;
            if (await db.ApiKeys.Where(k => k.DistrictId == districtId && k.Id == id && k.RevokedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct) > 0)
                logger.LogInformation("Api key {ApiKeyId} of district {DistrictId} revoked", id, districtId);
            cache.Forget(id);
            return TypedResults.NoContent();
        }).RequireScope(Scopes.Operator, new RecordOf(RecordKinds.ApiKey)).WithName("RevokeApiKey");
        return keys;
    }

    private static async Task<Results<Created<CreatedApiKey>, ValidationProblem>> CreateKey(
        Guid districtId, CreateApiKey request, RosterDbContext db, ILogger<ApiKey> logger, CancellationToken ct)
    {
        var scopes = (request.Scopes ?? []).Distinct().ToList();
        if (scopes.Count == 0 || scopes.Any(s => !Auth.Scopes.All.Contains(s)))
            return Problems.Invalid("scopes", $"At least one of: {string.Join(", ", Auth.Scopes.All)}.");
        var key = ApiKeys.NewKey();
        var apiKey = new ApiKey
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Name = request.Name.Trim(), KeyHash = ApiKeys.Hash(key),
            Scopes = scopes, CreatedAt = DateTimeOffset.UtcNow,
        };
        db.ApiKeys.Add(apiKey);
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Api key {ApiKeyId} created for district {DistrictId}", apiKey.Id, districtId);
        return TypedResults.Created($"/api/v1/districts/{districtId}/api-keys/{apiKey.Id}",
            new CreatedApiKey(apiKey.Id, key, apiKey.Name, apiKey.Scopes, apiKey.CreatedAt));
    }

    private static async Task<Results<Ok<Page<ApiKeyDto>>, ValidationProblem>> ListKeys(
        Guid districtId, [AsParameters] ApiKeyQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var rows = await db.ApiKeys.AsNoTracking()
            .Where(k => k.DistrictId == districtId && (after == null || k.Id > after))
            .OrderBy(k => k.Id).TakePage(query)
            .Select(k => new ApiKeyDto(k.Id, k.Name, k.Scopes, k.CreatedAt, k.RevokedAt))
            .ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), k => cursor.Of(k.Id)));
    }
}
