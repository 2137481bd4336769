using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Http;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Auth;

/// <summary>A policy's one requirement: the route's district, then the scope. A null scope means operator only.</summary>
public sealed record DistrictAccessRequirement(string? Scope) : IAuthorizationRequirement;

/// <summary>
/// Marks a route whose <see cref="RouteParameter"/> names a record of <see cref="Entity"/> that must belong to the route's
/// district. <see cref="HandlerFindsInDistrict"/>: the handler itself reads the record within the district and answers
/// the same 404 before anything else, so a caller holding the scope skips the separate existence query (one round trip
/// less on hot reads such as GET people/{id}); a caller without the scope still gets the 404-before-403 check.
/// </summary>
public sealed record RecordOf(string Entity, string RouteParameter = "id", bool HandlerFindsInDistrict = false);

/// <summary>
/// The order of checks scripts rely on (issue 6): the district first (another district's id, or a record of another
/// district under your own path: 404), then the scope (403). Validation and preconditions come later, in the handler.
/// Doing the district check here, before any endpoint filter, keeps a 400 from ever telling whether a record exists.
/// </summary>
internal sealed class DistrictAccessHandler : AuthorizationHandler<DistrictAccessRequirement, HttpContext>
{
    public const string NotFoundReason = "not-found";

    protected override async Task HandleRequirementAsync(
        AuthorizationHandlerContext context, DistrictAccessRequirement requirement, HttpContext http)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true) return;
        if (requirement.Scope is null && !user.IsOperator())
        {
            context.Fail();
            return;
        }
        var holdsScope = requirement.Scope is not null && user.HasScope(requirement.Scope);
        if (RouteGuid(http, "districtId") is { } districtId && !await VisibleAsync(http, user.IsOperator(), user.DistrictId(), districtId, holdsScope))
        {
            context.Fail(new AuthorizationFailureReason(this, NotFoundReason));
            return;
        }
        if (requirement.Scope is not null && !holdsScope)
        {
            context.Fail();
            return;
        }
        context.Succeed(requirement);
    }

    private static async Task<bool> VisibleAsync(HttpContext http, bool isOperator, Guid? ownDistrict, Guid districtId, bool holdsScope)
    {
        var ct = http.RequestAborted;
        if (!isOperator && ownDistrict != districtId) return false;
        if (isOperator && !await Db(http).Districts.AnyAsync(d => d.Id == districtId, ct)) return false;
        if (http.GetEndpoint()?.Metadata.GetMetadata<RecordOf>() is not { } record) return true;
        if (RouteGuid(http, record.RouteParameter) is not { } id) return false;
        if (record.HandlerFindsInDistrict && holdsScope) return true;
        var db = Db(http);
        return record.Entity switch
        {
            Entities.Person => await db.People.AnyAsync(p => p.Id == id && p.DistrictId == districtId, ct),
            Entities.School => await db.Schools.AnyAsync(s => s.Id == id && s.DistrictId == districtId, ct),
            Entities.Class => await db.Classes.AnyAsync(c => c.Id == id && c.DistrictId == districtId, ct),
            Entities.Enrollment => await db.Enrollments.AnyAsync(e => e.Id == id && e.DistrictId == districtId, ct),
            RecordKinds.Run => await db.SyncRuns.AnyAsync(r => r.Id == id && r.DistrictId == districtId && r.SourceKind != ExportRunStatuses.SourceKind, ct),
            RecordKinds.ApiKey => await db.ApiKeys.AnyAsync(k => k.Id == id && k.DistrictId == districtId, ct),
            RecordKinds.Webhook => await db.WebhookSubscriptions.AnyAsync(s => s.Id == id && s.DistrictId == districtId, ct),
            RecordKinds.Registration => await db.Registrations.AnyAsync(r => r.Id == id && r.DistrictId == districtId, ct),
            RecordKinds.ExportConnection => await db.ExportConnections.AnyAsync(c => c.Id == id && c.DistrictId == districtId, ct),
            RecordKinds.ExportRun => await db.SyncRuns.AnyAsync(r => r.Id == id && r.DistrictId == districtId && r.SourceKind == ExportRunStatuses.SourceKind, ct),
            _ => throw new InvalidOperationException($"No existence check for {record.Entity}"),
        };
    }

    // Taken from the request's services only when a check needs the database: a district key reading its own district,
    // or a record its handler finds within the district, rents no context from the pool.
    private static RosterDbContext Db(HttpContext http) => http.RequestServices.GetRequiredService<RosterDbContext>();

    private static Guid? RouteGuid(HttpContext http, string name) =>
        http.GetRouteValue(name) is string s && Guid.TryParse(s, out var id) ? id : null;
}

/// <summary>Record kinds the Api guards that are not roster entities.</summary>
public static class RecordKinds
{
    public const string Run = "run";
    public const string ApiKey = "apiKey";
    public const string Webhook = "webhook";
    public const string Registration = Domain.Events.EventTypes.Registration;
    public const string ExportConnection = "exportConnection";
    public const string ExportRun = "exportRun";
}

/// <summary>Turns the authorization outcome into the problem of SPEC §7: 401, 404 for another district's data, 403.</summary>
internal sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, result);
            return;
        }
        var (status, title) = result switch
        {
            { Challenged: true } => (StatusCodes.Status401Unauthorized, "A valid key is required: Authorization: Bearer <key>"),
            _ when result.AuthorizationFailure?.FailureReasons.Any(r => r.Message == DistrictAccessHandler.NotFoundReason) == true =>
                (StatusCodes.Status404NotFound, "Not found"),
            _ => (StatusCodes.Status403Forbidden, "This key may not do that"),
        };
        if (status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
        context.Response.StatusCode = status;
        await problems.WriteAsync(new()
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Type = ProblemTypes.ForStatus(status), Title = title, Detail = status == StatusCodes.Status403Forbidden ? Missing(policy) : null },
        });
    }

    /// <summary>What the key lacks, so a caller knows which key to make instead of guessing (a 403 is past the district check, so naming the scope tells nothing about data).</summary>
    private static string? Missing(AuthorizationPolicy policy) =>
        policy.Requirements.OfType<DistrictAccessRequirement>().FirstOrDefault() switch
        {
            { Scope: { } scope } => $"This operation needs the scope '{scope}'. A district key's scopes are fixed when it is created: the operator creates one that holds it (POST /api/v1/districts/{{districtId}}/api-keys).",
            { Scope: null } => "Only the operator key may do this.",
            _ => null,
        };
}
