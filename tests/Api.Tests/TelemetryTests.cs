using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using RosterSync.ServiceDefaults;
using RosterSync.TestSupport;

namespace RosterSync.Api.Tests;

/// <summary>SPEC §10: one trace from the Api's request through RabbitMQ to the Worker's PostgreSQL commands; run metrics.</summary>
public sealed class TelemetryTests(TelemetryTests.Factory api) : IClassFixture<TelemetryTests.Factory>, IAsyncLifetime
{
    /// <summary>What the in-memory exporter writes to; exporters of both hosts and readers here touch it from several threads.</summary>
    public sealed class Spans : Collection<Activity>
    {
        public List<Activity> Snapshot()
        {
            lock (this) return [.. Items];
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (this) base.InsertItem(index, item);
        }
    }

    /// <summary>Its own database and vhost, and the Api's spans exported in memory.</summary>
    public sealed class Factory : ApiFactory
    {
        public Spans Exported { get; } = [];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Exported)));
        }
    }

    private readonly Spans _worker = [];
    private IHost _host = null!;

    public async Task InitializeAsync() => _host = await InProcessWorker.StartAsync(api,
        builder => builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(_worker)));

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>Every span of the trace either host exported (each host's provider may see the other's spans too: once each).</summary>
    private List<Activity> Trace(ActivityTraceId traceId) =>
        [.. api.Exported.Snapshot().Concat(_worker.Snapshot()).Where(a => a.TraceId == traceId).DistinctBy(a => a.SpanId)];

    private static bool DescendsFrom(Activity span, Activity ancestor, Dictionary<ActivitySpanId, Activity> bySpan)
    {
        for (var parent = span.ParentSpanId; parent != default; parent = bySpan.TryGetValue(parent, out var p) ? p.ParentSpanId : default)
            if (parent == ancestor.SpanId) return true;
        return false;
    }

    /// <summary>The Api's span of the request to <paramref name="path"/>, exported when the request ends (a moment after the answer, maybe).</summary>
    private async Task<Activity> ServerSpanAsync(string path)
    {
        bool Match(Activity a) => a.Kind == ActivityKind.Server && a.GetTagItem("url.path") as string == path;
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !api.Exported.Snapshot().Any(Match) && DateTime.UtcNow < deadline;) await Task.Delay(50);
        return Assert.Single(api.Exported.Snapshot(), Match);
    }

    private static MultipartFormDataContent DemoBundle()
    {
        var file = new ByteArrayContent(File.ReadAllBytes(Path.Combine(InProcessWorker.RepositoryRoot(), "samples", "demo-district", "demo-district.zip")));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return new MultipartFormDataContent { { file, "file", "demo-district.zip" } };
    }

    private static async Task<System.Text.Json.JsonElement> WaitForRunAsync(TestDistrict district, string runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var run = await (await district.Client.GetAsync($"{district.Path}/sync-runs/{runId}")).ReadAsync();
            if (run.Str("status") is not ("queued" or "running") || DateTime.UtcNow > deadline) return run;
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task An_upload_run_is_one_trace_from_the_api_request_through_rabbitmq_to_the_workers_postgresql_commands()
    {
        var district = await api.NewDistrictAsync();
        var path = district.Path + "/imports";

        var response = await district.Client.PostAsync(path, DemoBundle());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = await WaitForRunAsync(district, (await response.ReadAsync()).Str("id")!);
        Assert.Equal("succeeded", run.Str("status"));

        var request = await ServerSpanAsync(path);
        List<Activity> trace = [];
        Dictionary<ActivitySpanId, Activity> bySpan = [];
        Activity? consume = null;
        // The consumer's span ends (and is exported) after the run's row is final: wait for it. The Api publishes in
        // the request; the Worker's dispatcher may publish the queued run as well, continuing the trace stored on the
        // run: whichever consumer claims the run does its work, the other does nothing.
        for (var deadline = DateTime.UtcNow.AddSeconds(60); consume is null && DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            trace = Trace(request.TraceId);
            bySpan = trace.ToDictionary(a => a.SpanId);
            consume = trace.Where(a => a.Source.Name == Telemetry.MassTransit && a.Kind == ActivityKind.Consumer)
                .FirstOrDefault(c => trace.Count(a => a.Source.Name == "Npgsql" && DescendsFrom(a, c, bySpan)) > 5);
        }

        Assert.True(consume is not null, "no consumer span with the run's PostgreSQL commands in the trace: "
            + string.Join("; ", trace.Select(a => $"{a.Source.Name} {a.Kind} {a.DisplayName}")));
        var consumers = trace.Where(a => a.Source.Name == Telemetry.MassTransit && a.Kind == ActivityKind.Consumer).ToList();
        var publishes = trace.Where(a => a.Source.Name == Telemetry.MassTransit && a.Kind == ActivityKind.Producer).ToList();
        Assert.Contains(publishes, p => DescendsFrom(p, request, bySpan));
        Assert.All(consumers, c => Assert.Contains(publishes, p => DescendsFrom(c, p, bySpan)));
        Assert.Contains(trace, a => a.Source.Name == "Npgsql" && DescendsFrom(a, request, bySpan) && !consumers.Any(c => DescendsFrom(a, c, bySpan)));
    }

    [Fact]
    public async Task A_search_span_carries_no_personal_data_from_its_query_string()
    {
        var district = await api.NewDistrictAsync();
        var path = district.Path + "/people";

        (await district.Client.GetAsync(path + "?email=private.person@x.org&q=Privata")).EnsureSuccessStatusCode();

        var span = await ServerSpanAsync(path);
        Assert.DoesNotContain(span.TagObjects, t => t.Value?.ToString() is { } v && (v.Contains("private.person", StringComparison.Ordinal) || v.Contains("Privata", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_finished_run_is_counted_by_status_with_its_duration_and_records()
    {
        using var metrics = new MeasurementRecorder(Telemetry.Name);
        var district = await api.NewDistrictAsync();

        var response = await district.Client.PostAsync(district.Path + "/imports", DemoBundle());
        var run = await WaitForRunAsync(district, (await response.ReadAsync()).Str("id")!);

        Assert.Equal("succeeded", run.Str("status"));
        var created = run.GetProperty("counts").GetProperty("people").GetProperty("created").GetInt64();
        bool Succeeded(MeasurementRecorder.Measured m) => m.Tag("status") == "succeeded" && m.Tag("trigger") == "upload";
        var seen = await metrics.WaitForAsync(m => m.Instrument == "rostersync.runs" && Succeeded(m));
        Assert.Contains(seen, m => m.Instrument == "rostersync.runs" && Succeeded(m) && m.Value == 1);
        Assert.Contains(seen, m => m.Instrument == "rostersync.run.duration" && Succeeded(m) && m.Value > 0);
        Assert.Contains(seen, m => m.Instrument == "rostersync.run.records" && Succeeded(m) && m.Value >= created);
        Assert.Contains(seen, m => m.Instrument == "rostersync.run.throughput" && Succeeded(m) && m.Value > 0);
    }
}
