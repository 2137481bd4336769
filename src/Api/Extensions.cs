using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Api.Auth;
using RosterSync.Api.Export;
using RosterSync.Api.Http;
using RosterSync.Api.Imports;
using RosterSync.Api.SyncRuns;
using RosterSync.Api.SyncSettings;
using RosterSync.Domain.Persistence;
using RosterSync.ServiceDefaults;

namespace RosterSync.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddApiServices(this IHostApplicationBuilder builder)
    {
        // The build writes the OpenAPI document by running this registration (GetDocument.Insider): give it the
        // configuration it needs and, at the end, nothing to start, so no build ever connects anywhere.
        var buildTimeDocument = Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";
        if (buildTimeDocument)
        {
            builder.Configuration.AddInMemoryCollection([
                new("ConnectionStrings:" + PersistenceExtensions.ConnectionName, "Host=localhost;Database=openapi-document"),
                new("Auth:OperatorKey", "openapi-document-generation"),
            ]);
            // It starts the host, and it stores no secret: no key-encryption certificate needed (KeyRingOptions).
            builder.Environment.EnvironmentName = Environments.Development;
        }

        PrepareHotStatements(builder.Configuration);
        // ASP.NET's request log writes the whole URL at Information, and searches carry emails and names in the query
        // string (people?email=…&q=…): it stays at Warning whatever the configuration says of Microsoft.AspNetCore.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        // PostgreSQL, the MassTransit bus (publish only: the Api has no consumers), Data Protection, health checks.
        builder.AddRosterDefaults(poolDbContexts: true);

        var services = builder.Services;
        services.AddOptions<ImportOptions>().BindConfiguration(ImportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RunOptions>().BindConfiguration(RunOptions.Section).ValidateOnStart();
        services.AddOptions<CorsSettings>().BindConfiguration(CorsSettings.Section);
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section);
        services.AddHostedService<IdempotencyPurge>();

        // Strict: otherwise every number is documented as ["integer","string"] and "10" is accepted for 10.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemTypes.Customize);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<UnavailableExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddValidation();

        services.AddApiAuth();
        services.AddApiRateLimiting();
        services.AddCors();
        services.AddOptions<CorsOptions>()
            .Configure<IOptions<CorsSettings>>((cors, settings) => cors.AddDefaultPolicy(policy => policy
                .WithOrigins(settings.Value.AllowedOrigins).AllowAnyMethod().AllowAnyHeader()
                .WithExposedHeaders("ETag", "Location", "Retry-After", Idempotency.ReplayedHeader)));
        services.AddOpenApi(o => o.AddRosterConventions().AddExportExamples());

        services.AddScoped<RunStarter>();
        services.AddSourceTest();
        services.AddExportConnections();

        if (buildTimeDocument) services.RemoveAll<IHostedService>();
        return builder;
    }

    /// <summary>
    /// The Api sends the same few statements all day (key lookup, people pages, one person): Npgsql prepares them on
    /// each connection, so PostgreSQL parses them once and, where a page size is a constant (Paging.TakePage), plans
    /// them once. A connection string that sets Max Auto Prepare itself (0 turns it off) is left as it is.
    /// </summary>
    private static void PrepareHotStatements(IConfigurationManager configuration)
    {
        var key = "ConnectionStrings:" + PersistenceExtensions.ConnectionName;
        if (configuration[key] is not { Length: > 0 } connectionString
            || connectionString.Replace(" ", "", StringComparison.Ordinal).Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
            return;
        configuration[key] = new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64 }.ConnectionString;
    }
}
