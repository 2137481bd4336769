using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.ServiceDefaults;

namespace RosterSync.Worker.Runs;

/// <summary>
/// The Worker's instruments on the meter "RosterSync" (SPEC §10; what to alert on is in docs/operations.md). Tags are
/// codes only (status, trigger, source kind, HTTP status): never a district, a person or a URL.
/// </summary>
public static class RunMetrics
{
    private static readonly Meter Meter = new(Telemetry.Name);

    private static readonly Counter<long> Runs = Meter.CreateCounter<long>(
        "rostersync.runs", "{run}", "Runs that ended or stopped for approval, by status, trigger and source kind");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "rostersync.run.duration", "s", "From claim to end of a run, by status, trigger and source kind");
    private static readonly Counter<long> Records = Meter.CreateCounter<long>(
        "rostersync.run.records", "{record}", "Records a run reconciled (every entity and action, unchanged included); its rate is records per second");
    private static readonly Histogram<double> Throughput = Meter.CreateHistogram<double>(
        "rostersync.run.throughput", "{record}/s", "Records per second of each run that ended");
    private static readonly Histogram<double> SourceLatency = Meter.CreateHistogram<double>(
        "rostersync.source.request.duration", "s", "Each HTTP attempt to a source (Clever, ClassLink), by source and status code");
    private static readonly Counter<long> SourceRetries = Meter.CreateCounter<long>(
        "rostersync.source.retries", "{retry}", "HTTP retries to a source after a transient failure, by source");

    private static long _queued = -1;
    private static double _oldestQueuedSeconds = -1;

    static RunMetrics()
    {
        Meter.CreateObservableGauge("rostersync.runs.queued", () => Observed(Interlocked.Read(ref _queued)), "{run}",
            "Runs waiting for a Worker, all districts (every replica reports the same figure: aggregate with max)");
        Meter.CreateObservableGauge("rostersync.runs.queued.oldest_age", () => Observed(Volatile.Read(ref _oldestQueuedSeconds)), "s",
            "How long the oldest queued run has waited");
    }

    private static IEnumerable<Measurement<T>> Observed<T>(T value) where T : struct, IComparable<T> =>
        value.CompareTo(default) < 0 ? [] : [new Measurement<T>(value)];

    /// <summary>Measures a claimed run; when disposed it reads the run's final status and counts from its row and records them.</summary>
    public static RunMeasurement Measure(NpgsqlDataSource dataSource, ClaimedRun run) => new(dataSource, run);

    public static void SourceRequest(string source, int statusCode, TimeSpan elapsed) =>
        SourceLatency.Record(elapsed.TotalSeconds, new("source", source), new("http.response.status_code", statusCode));

    public static void SourceRetry(string source) => SourceRetries.Add(1, new KeyValuePair<string, object?>("source", source));

    internal static void QueueSampled(long queued, double oldestSeconds)
    {
        Interlocked.Exchange(ref _queued, queued);
        Volatile.Write(ref _oldestQueuedSeconds, oldestSeconds);
    }

    public sealed class RunMeasurement(NpgsqlDataSource dataSource, ClaimedRun run) : IAsyncDisposable
    {
        private readonly long _started = Stopwatch.GetTimestamp();

        public async ValueTask DisposeAsync()
        {
            var elapsed = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            string status;
            RunCounts counts;
            try
            {
                await using var command = dataSource.CreateCommand("SELECT status, counts FROM sync_runs WHERE id = $1");
                command.Parameters.Add(new NpgsqlParameter { Value = run.Id });
                await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
                if (!await reader.ReadAsync(CancellationToken.None)) return;
                status = reader.GetString(0);
                counts = JsonSerializer.Deserialize<RunCounts>(reader.GetString(1), JsonSerializerOptions.Web) ?? new RunCounts();
            }
            catch (NpgsqlException)
            {
                // The database is gone too: the run's own outcome is what matters, a lost data point does not.
                return;
            }
            TagList tags = new() { { "status", status }, { "trigger", run.Trigger }, { "source_kind", run.SourceKind } };
            Runs.Add(1, tags);
            Duration.Record(elapsed, tags);
            var records = Total(counts);
            Records.Add(records, tags);
            if (status == RunStatus.Succeeded && elapsed > 0) Throughput.Record(records / elapsed, tags);
        }

        private static long Total(RunCounts counts) =>
            new[] { counts.People, counts.Schools, counts.Classes, counts.Enrollments, counts.GuardianLinks, counts.Memberships }
                .Sum(a => a.Created + a.Updated + a.Unchanged + a.Archived + a.Removed + a.Restored + a.Skipped);
    }
}

public sealed class QueueDepthOptions
{
    public const string Section = "Metrics";

    /// <summary>How often the queued runs are counted for the rostersync.runs.queued gauge.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan QueueDepthInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Counts the queued runs now and then, so the queue-depth gauges read a number instead of querying PostgreSQL from
/// the exporter's thread. The count uses the (status, published_at) index.
/// </summary>
public sealed class QueueDepthSampler(NpgsqlDataSource dataSource, IOptions<QueueDepthOptions> options, ILogger<QueueDepthSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.QueueDepthInterval);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug(e, "Counting queued runs failed; the gauge keeps its last value");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task SampleAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(queued_at)), 0)::float8 FROM sync_runs WHERE status = 'queued'");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        RunMetrics.QueueSampled(reader.GetInt64(0), reader.GetDouble(1));
    }
}
