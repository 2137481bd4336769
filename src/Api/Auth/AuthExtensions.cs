using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace RosterSync.Api.Auth;

public static class AuthExtensions
{
    public static IServiceCollection AddApiAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .Configure<IConfiguration>((o, config) =>
            {
                if (string.IsNullOrEmpty(o.OperatorKey)) o.OperatorKey = config[AuthOptions.OperatorKeyVariable] ?? "";
            })
            .ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<ApiKeyCache>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Scopes.Operator, Require(null))
            .AddPolicy(Scopes.RosterRead, Require(Scopes.RosterRead))
            .AddPolicy(Scopes.RosterWrite, Require(Scopes.RosterWrite))
            .AddPolicy(Scopes.SyncRun, Require(Scopes.SyncRun))
            .AddPolicy(Scopes.SettingsWrite, Require(Scopes.SettingsWrite))
            .AddPolicy(Scopes.EventsRead, Require(Scopes.EventsRead))
            .AddPolicy(Scopes.RegistrationsWrite, Require(Scopes.RegistrationsWrite))
            .AddPolicy(Scopes.ExportRun, Require(Scopes.ExportRun));
        services.AddSingleton<IAuthorizationHandler, DistrictAccessHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        return services;
    }

    private static Action<AuthorizationPolicyBuilder> Require(string? scope) =>
        p => p.RequireAuthenticatedUser().AddRequirements(new DistrictAccessRequirement(scope));

    /// <summary>Requires <paramref name="scope"/> (a <see cref="Scopes"/> constant) and, where the route names one, the record's district.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope, RecordOf? record = null)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization(scope).WithMetadata(new ScopeMetadata(scope))
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable); // R30: PostgreSQL unreachable (with Retry-After)
        if (record is not null) builder.WithMetadata(record);
        return builder;
    }
}

/// <summary>The scope a route requires, for the OpenAPI document (x-scope) and docs/api.md.</summary>
public sealed record ScopeMetadata(string Scope);
