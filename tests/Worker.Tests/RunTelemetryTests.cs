using System.Diagnostics;
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
