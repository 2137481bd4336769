using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.ServiceDefaults;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace RosterSync.Api.SyncSettings;

public static class SyncSettingsEndpoints
{
    public static RouteGroupBuilder MapSyncSettings(this IEndpointRouteBuilder app)
    {
        var settings = app.MapGroup("/api/v1/districts/{districtId:guid}/sync-settings").WithTags("SyncSettings");
        settings.MapGet("/", GetSettings).RequireScope(Scopes.SettingsWrite).WithName("GetSyncSettings").WithETag()
            .WithSummary("The district's settings; secrets are never returned, only whether each is set");
        settings.MapPut("/", PutSettings).RequireScope(Scopes.SettingsWrite).WithName("PutSyncSettings").WithETag().ProducesProblem(StatusCodes.Status412PreconditionFailed);
        settings.MapPatch("/", PatchSettings).RequireScope(Scopes.SettingsWrite).WithName("PatchSyncSettings").WithETag().ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .Accepts<SyncSettingsInput>(OpenApiContract.MergePatch, "application/json")
            .WithSummary("JSON merge patch (RFC 7396) of the settings document")
            .WithDescription("A member left out is unchanged; null resets it to its default (a secret: null keeps it, an empty string removes it); "
                + "an object merges into the stored one member by member. application/json is read the same way.");
        return settings;
    }

    private sealed record Stored(Domain.Model.SyncSettings Settings, string? EncryptedSecrets, DateTimeOffset UpdatedAt, uint Version);

    private static Task<Stored?> LoadAsync(RosterDbContext db, Guid districtId, CancellationToken ct) =>
        db.SyncSettings.AsNoTracking().Where(s => s.DistrictId == districtId)
            .Select(s => new Stored(s.Settings, s.EncryptedSecrets, s.UpdatedAt, EF.Property<uint>(s, RowVersion.Property)))
            .SingleOrDefaultAsync(ct);

    private static async Task<Ok<SyncSettingsDocument>> GetSettings(
        Guid districtId, RosterDbContext db, SecretProtector protector, HttpResponse response, CancellationToken ct)
    {
        var stored = await LoadAsync(db, districtId, ct);
        if (stored is null) return TypedResults.Ok(SyncSettingsDocument.From(Domain.Model.SyncSettings.Default, new HashSet<string>(), null));
        ETags.Set(response, stored.Version);
        return TypedResults.Ok(Document(stored, protector));
    }

    private static async Task<Results<Ok<SyncSettingsDocument>, ValidationProblem, ProblemHttpResult>> PutSettings(
        Guid districtId, SyncSettingsInput input, HttpContext http, RosterDbContext db, SecretProtector protector, ILogger<SyncSettingsInput> logger, CancellationToken ct) =>
        await SaveAsync(districtId, input, await LoadAsync(db, districtId, ct), http, db, protector, logger, ct);

    private static async Task<Results<Ok<SyncSettingsDocument>, ValidationProblem, ProblemHttpResult>> PatchSettings(
        Guid districtId, JsonObject patch, HttpContext http, RosterDbContext db, SecretProtector protector,
        IOptions<JsonOptions> json, ILogger<SyncSettingsInput> logger, CancellationToken ct)
    {
        var stored = await LoadAsync(db, districtId, ct);
        var document = JsonSerializer.SerializeToNode(SyncSettingsInput.From(stored?.Settings ?? Domain.Model.SyncSettings.Default), json.Value.SerializerOptions)!.AsObject();
        MergePatch(document, patch);
        SyncSettingsInput? input;
        try
        {
            input = document.Deserialize<SyncSettingsInput>(json.Value.SerializerOptions);
        }
        catch (JsonException e)
        {
            return TypedResults.Problem(type: ProblemTypes.BadRequest, title: "The request could not be read",
                detail: $"The patched document is not a settings document (at {e.Path}).", statusCode: StatusCodes.Status400BadRequest);
        }
        return await SaveAsync(districtId, input!, stored, http, db, protector, logger, ct);
    }

    private static async Task<Results<Ok<SyncSettingsDocument>, ValidationProblem, ProblemHttpResult>> SaveAsync(
        Guid districtId, SyncSettingsInput input, Stored? stored, HttpContext http, RosterDbContext db, SecretProtector protector,
        ILogger logger, CancellationToken ct)
    {
        var secrets = protector.Unprotect(stored?.EncryptedSecrets);
        // Removing the guardian feed removes its credentials with it.
        if (input.GuardianFeed is null)
        {
            secrets.Remove(SecretNames.GuardianFeedPassword);
            secrets.Remove(SecretNames.GuardianFeedPrivateKey);
        }
        foreach (var (name, value) in input.Secrets())
        {
            if (value is null) continue;
            if (value.Length == 0) secrets.Remove(name);
            else secrets[name] = value;
        }
        var schoolIds = (await db.Schools.Where(s => s.DistrictId == districtId).Select(s => s.Id).ToListAsync(ct)).ToHashSet();
        if (SettingsValidator.Validate(input, secrets, schoolIds) is { Count: > 0 } errors) return Problems.Invalid(errors);
        if (!ETags.IfMatchAllows(http.Request, stored?.Version)) return Problems.PreconditionFailed();

        var settings = input.ToSettings();
        var encrypted = secrets.Count == 0 ? null : protector.Protect(secrets);
        var now = DateTimeOffset.UtcNow;
        if (stored is null)
        {
            db.SyncSettings.Add(new SyncSettingsRow { DistrictId = districtId, Settings = settings, EncryptedSecrets = encrypted, UpdatedAt = now });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                return Problems.PreconditionFailed();
            }
        }
        else
        {
            var checkVersion = ETags.HasIfMatch(http.Request);
            var updated = await db.SyncSettings
                .Where(s => s.DistrictId == districtId && (!checkVersion || EF.Property<uint>(s, RowVersion.Property) == stored.Version))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Settings, settings).SetProperty(r => r.EncryptedSecrets, encrypted).SetProperty(r => r.UpdatedAt, now), ct);
            if (updated == 0) return Problems.PreconditionFailed();
        }
        logger.LogInformation("Sync settings of district {DistrictId} saved (source kind {Kind})", districtId, settings.Source.Kind);

        var saved = (await LoadAsync(db, districtId, ct))!;
        ETags.Set(http.Response, saved.Version);
        return TypedResults.Ok(Document(saved, protector));
    }

    private static SyncSettingsDocument Document(Stored stored, SecretProtector protector) =>
        SyncSettingsDocument.From(stored.Settings, protector.Unprotect(stored.EncryptedSecrets).Keys.ToHashSet(), stored.UpdatedAt);

    /// <summary>RFC 7396: null removes a member, an object merges into an object, anything else replaces.</summary>
    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null) target.Remove(name);
            else if (value is JsonObject child && target[name] is JsonObject existing) MergePatch(existing, child);
            else target[name] = value.DeepClone();
        }
    }
}
