using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace RosterSync.ServiceDefaults;

/// <summary>
/// OpenTelemetry for both hosts (SPEC §10). Traces follow a run from the Api's request through RabbitMQ (MassTransit
/// carries the trace context in the message headers) to the Worker, its source HTTP calls and its PostgreSQL commands.
/// Metrics: RosterSync's own instruments (meter "RosterSync", docs/operations.md), MassTransit's, ASP.NET Core's,
/// HttpClient's, Npgsql's and the runtime's. Nothing leaves the process unless OTEL_EXPORTER_OTLP_ENDPOINT is set; then
/// the standard OTEL_* variables configure the OTLP exporter for traces, metrics and logs.
/// </summary>
public static class Telemetry
{
    /// <summary>The name of RosterSync's Meter and ActivitySource.</summary>
    public const string Name = "RosterSync";

    /// <summary>MassTransit 8's ActivitySource and Meter.</summary>
    public const string MassTransit = "MassTransit";

    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>The current trace as a W3C traceparent, to store with work that continues later (a queued run).</summary>
    public static string? CurrentTraceParent() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>A span continuing the trace stored as <paramref name="traceParent"/> (or a new trace when there is none).</summary>
    public static Activity? ContinueTrace(string name, string? traceParent) =>
        Source.StartActivity(name, ActivityKind.Internal, traceParent is { Length: > 0 } ? traceParent : null);

    public static IHostApplicationBuilder AddRosterTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var telemetry = builder.Services.AddOpenTelemetry()
            // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, take precedence over the host's name.
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithTracing(tracing => tracing
                .AddSource(Name, MassTransit)
                // Probes ask every few seconds; their spans would bury the runs' traces.
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments(new PathString("/health")))
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(Name, MassTransit)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddRuntimeInstrumentation());
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointVariable]))
            telemetry.UseOtlpExporter();
        return builder;
    }
}
