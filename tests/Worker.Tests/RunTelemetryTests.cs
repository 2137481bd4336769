using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using RosterSync.Domain.Model;
using RosterSync.ServiceDefaults;
using RosterSync.TestSupport;
using RosterSync.Worker.Tests.Sources;

namespace RosterSync.Worker.Tests;

/// <summary>SPEC §10: a run published later by the dispatcher continues the trace stored on its row.</summary>
public class RunTraceTests(WorkerFixture worker) : IClassFixture<WorkerFixture>
{
    [Fact]
    public async Task A_queued_run_published_by_the_dispatcher_continues_the_trace_stored_on_its_row()
    {
        var consumed = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Telemetry.MassTransit,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.Kind == ActivityKind.Consumer) consumed.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(listener);
        var traceId = ActivityTraceId.CreateRandom();
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        // As the Api leaves a run whose publish failed: queued, never published, the request's trace on the row.
        await worker.ScalarAsync("UPDATE sync_runs SET published_at = NULL, trace_parent = $2 WHERE id = $1 RETURNING 1",
            runId, $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        Assert.Equal(RunStatus.Succeeded, (await worker.WaitForRunAsync(runId)).Status);

        for (var deadline = DateTime.UtcNow.AddSeconds(30); !consumed.Any(a => a.TraceId == traceId) && DateTime.UtcNow < deadline;)
            await Task.Delay(100);
        Assert.Contains(consumed, a => a.TraceId == traceId);
    }
}

/// <summary>SPEC §10: each HTTP attempt to a source is timed, and each retry counted, by source.</summary>
public class SourceTelemetryTests(SourceWorkerFixture worker, FakeCleverServer clever) : IClassFixture<SourceWorkerFixture>, IClassFixture<FakeCleverServer>
{
    [Fact]
    public async Task Source_attempts_are_timed_with_their_status_and_retries_are_counted()
    {
        using var metrics = new MeasurementRecorder(Telemetry.Name);
        var tenant = clever.AddDistrict();
        CleverData.Lincoln(tenant);
        tenant.Faults = i => i == 1 ? Fault.Error(503) : null;
        var district = await worker.CreateDistrictAsync();
        await worker.ConfigureAsync(district,
            SourceWorkerFixture.Settings(new SourceSettings { Kind = SourceKinds.Clever, BaseUrl = clever.Address.ToString() }),
            new Dictionary<string, string> { ["token"] = tenant.Token });

        Assert.Equal(RunStatus.Succeeded, (await worker.SyncAsync(district, SourceKinds.Clever)).Status);

        var seen = metrics.Snapshot();
        Assert.Contains(seen, m => m.Instrument == "rostersync.source.request.duration" && m.Tag("source") == "clever" && m.Tag("http.response.status_code") == "503");
        Assert.Contains(seen, m => m.Instrument == "rostersync.source.request.duration" && m.Tag("source") == "clever" && m.Tag("http.response.status_code") == "200" && m.Value > 0);
        Assert.Contains(seen, m => m.Instrument == "rostersync.source.retries" && m.Tag("source") == "clever" && m.Value == 1);
    }
}

/// <summary>SPEC §10: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans go to that OTLP endpoint (off by default).</summary>
public class OtlpExportTests
{
    [Fact]
    public async Task With_the_otlp_endpoint_variable_set_spans_are_exported_over_otlp_http()
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<(string Path, byte[] Body)>();
        var receiverBuilder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        receiverBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        receiverBuilder.Logging.ClearProviders();
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost("/v1/{signal}", async (Microsoft.AspNetCore.Http.HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            received.Enqueue((http.Request.Path, body.ToArray()));
        });
        await receiver.StartAsync();

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration[Telemetry.OtlpEndpointVariable] = receiver.Urls.Single();
        builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        builder.AddRosterTelemetry();
        using (var host = builder.Build())
        {
            await host.StartAsync();
            using (Telemetry.Source.StartActivity("otlp-export-test-span")) { }
            await host.StopAsync();
        }   // disposing the tracer provider flushes its batch

        var name = System.Text.Encoding.UTF8.GetBytes("otlp-export-test-span");
        Assert.Contains(received, r => r.Path == "/v1/traces" && r.Body.AsSpan().IndexOf(name) >= 0);
        await receiver.StopAsync();
    }
}
