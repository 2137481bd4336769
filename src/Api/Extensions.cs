using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Api.Auth;
using RosterSync.Api.Events;
using RosterSync.Api.Export;
using RosterSync.Api.Http;
using RosterSync.Api.Imports;
using RosterSync.Api.SyncRuns;
using RosterSync.Api.SyncSettings;
using RosterSync.Domain.Model;
using RosterSync.Domain.Events;
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
        services.AddOptions<EventFeedOptions>().BindConfiguration(EventFeedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Strict: otherwise every number is documented as ["integer","string"] and "10" is accepted for 10.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            JsonDateTimes.AddTo(o.SerializerOptions);
        });
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
        services.AddOpenApi(o => o.AddRosterConventions().AddEventSchemas().AddExportExamples().PruneUnreferencedSchemas());

        services.AddScoped<RunStarter>();
        services.AddSingleton<RunStatusStore>();
        services.AddSourceTest();
        services.AddExportConnections();

        if (buildTimeDocument) services.RemoveAll<IHostedService>();
        return builder;
    }

    /// <summary>
    /// Connection defaults for the Api's reads, applied where the connection string does not set them itself:
    /// <list type="bullet">
    /// <item>Max Auto Prepare=64: the Api sends the same few statements all day (key lookup, people pages, one person),
    /// so Npgsql prepares them on each connection and PostgreSQL parses them once and, where a page size is a constant
    /// (Paging.TakePage), plans them once (0 turns it off).</item>
    /// <item>No Reset On Close=true: otherwise every connection returned to the pool is reset (with prepared statements
    /// kept, that is CLOSE ALL, UNLISTEN, pg_advisory_unlock_all, DISCARD SEQUENCES and DISCARD TEMP: one more round
    /// trip that cost more than the query on GET people/{id}). The Api leaves no session state behind: no SET, no
    /// LISTEN, no advisory locks, and its temporary tables are ON COMMIT DROP.</item>
    /// </list>
    /// </summary>
    private static void PrepareHotStatements(IConfigurationManager configuration)
    {
        var key = "ConnectionStrings:" + PersistenceExtensions.ConnectionName;
        if (configuration[key] is not { Length: > 0 } connectionString) return;
        var given = connectionString.Replace(" ", "", StringComparison.Ordinal);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)) builder.MaxAutoPrepare = 64;
        if (!given.Contains("NoResetOnClose", StringComparison.OrdinalIgnoreCase)) builder.NoResetOnClose = true;
        configuration[key] = builder.ConnectionString;
    }
}
