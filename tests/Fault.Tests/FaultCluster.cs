using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using MassTransit;
using Npgsql;
using RosterSync.Contracts;
using RosterSync.Domain.Model;
using RosterSync.TestSupport;

namespace RosterSync.Fault.Tests;

/// <summary>
/// The system as deployed, on this machine: the built Api and two Worker processes (<c>dotnet &lt;dll&gt;</c>) over their own
/// database and RabbitMQ vhost, each reaching PostgreSQL and RabbitMQ through one shared <see cref="TcpFaultProxy"/> per
/// service, so one cut takes a dependency away from all of them. The test itself reads the database directly. A synthetic
/// district (bench/Generator, size S) is imported once, uninterrupted, into a reference district whose roster digest every
/// scenario's district must equal.
/// </summary>
public sealed class FaultCluster : IAsyncLifetime
{
    /// <summary>How long any run may take to end (succeeded or failed) after a fault; longer counts as stuck.</summary>
    public static readonly TimeSpan RunEndBound = TimeSpan.FromMinutes(3);

    /// <summary>Lease timings for the suite (R29): a killed Worker's run is taken over about 8 s after its last renewal.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Webhook delivery timings for the suite: a Worker waits up to 10 s for a receiver's answer and holds its delivery for 12 s, so
    /// a killed Worker's delivery is taken over at most 12 s after its claim, and a slow receiver alone never causes a takeover.
    /// </summary>
    public static readonly TimeSpan WebhookTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan WebhookLeaseDuration = TimeSpan.FromSeconds(12);

    /// <summary>bench/Generator's shape: three fifths of its size S, so that a first import takes a few seconds on a busy machine.</summary>
    private static readonly string[] BundleShape =
        ["--schools", "6", "--students", "3000", "--staff", "240", "--guardians", "2400", "--classes", "360", "--enrollments", "18000"];
    private readonly string _operatorKey = $"op_fault_{Guid.NewGuid():N}";
    private readonly List<ServiceProcess> _workers = [];
    private readonly List<ServiceProcess> _exited = [];
    private int _workerCount;

    public TestDatabase Database { get; private set; } = null!;
    public TestBroker Broker { get; private set; } = null!;
    public TcpFaultProxy Postgres { get; private set; } = null!;
    public TcpFaultProxy RabbitMq { get; private set; } = null!;
    public ServiceProcess Api { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public byte[] Bundle { get; private set; } = [];
    public RosterDigest Reference { get; private set; } = null!;
    public long ReferenceChanges { get; private set; }
    public FaultTable Table { get; private set; } = null!;
    public NpgsqlDataSource Db => Database.DataSource;

    /// <summary>The Worker processes running now (killed ones are replaced).</summary>
    public IReadOnlyList<ServiceProcess> Workers => _workers;

    private static string RepoRoot { get; } = FindRepoRoot();
    private static string Configuration { get; } = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
    private static string Results => Path.Combine(RepoRoot, ".local", "test-results");
    private static string Logs => Path.Combine(Results, "fault-suite-logs");

    public async Task InitializeAsync()
    {
        // The processes' console output, one file each, kept for reading after the run (./test.sh empties test-results first).
        if (Directory.Exists(Logs)) Directory.Delete(Logs, recursive: true);
        Directory.CreateDirectory(Logs);
        var generating = GenerateBundleAsync();
        Database = await TestDatabase.CreateAsync();
        Broker = await TestBroker.CreateAsync();
        var postgres = new NpgsqlConnectionStringBuilder(Database.ConnectionString);
        Postgres = new TcpFaultProxy(postgres.Host!, postgres.Port);
        RabbitMq = new TcpFaultProxy(Broker.Host, Broker.Port);

        var api = FreePort();
        Api = ServiceProcess.Start("api", Dll("Api"), [.. CommonSettings(), new("ROSTERSYNC_OPERATOR_KEY", _operatorKey), new("Runs__PublishTimeout", "00:00:03"),
                // Concurrency scenarios send hundreds of edits a second with the operator key.
                new("RateLimit__PermitsPerMinute", "1000000")],
            Path.Combine(Logs, "api.log"), "--urls", $"http://127.0.0.1:{api}");
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}"), Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _operatorKey);
        StartWorker();
        StartWorker();

        Bundle = await generating;
        await WaitUntilAsync(async () => (await GetAsync("/health/ready")) == HttpStatusCode.OK, TimeSpan.FromMinutes(2), "the Api to be ready");
        foreach (var worker in _workers) await worker.WaitForLogAsync("Application started", TimeSpan.FromMinutes(2));

        var clock = Stopwatch.StartNew();
        var district = await CreateDistrictAsync("Reference district");
        var (status, run) = await ImportAsync(district);
        if (status != HttpStatusCode.Accepted) throw new InvalidOperationException($"The reference import was answered {status}");
        if (await WaitForEndAsync(run, RunEndBound) is not RunStatus.Succeeded)
            throw new InvalidOperationException($"The reference import of the bundle did not succeed; see {Logs}");
        Reference = await RosterDigest.ReadAsync(Db, district);
        ReferenceChanges = await ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1", run);
        Table = new FaultTable(Path.Combine(Results, "fault-suite.md"),
            $"district: {Reference.Summary}; uninterrupted import {clock.Elapsed.TotalSeconds:F1} s; " +
            $"lease {LeaseDuration.TotalSeconds:F0} s; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        foreach (var process in _workers.Concat(_exited).Append(Api)) process?.Dispose();
        if (Postgres is not null) await Postgres.DisposeAsync();
        if (RabbitMq is not null) await RabbitMq.DisposeAsync();
        if (Database is not null) await Database.DisposeAsync();
        if (Broker is not null) await Broker.DisposeAsync();
    }

    /// <summary>Settings both hosts take: the database and the broker, through the proxies.</summary>
    private IEnumerable<KeyValuePair<string, string>> CommonSettings()
    {
        var db = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Host = "127.0.0.1", Port = Postgres.Port };
        return
        [
            new("ConnectionStrings__Roster", db.ConnectionString),
            new("RabbitMq__Host", "127.0.0.1"), new("RabbitMq__Port", RabbitMq.Port.ToString(CultureInfo.InvariantCulture)),
            new("RabbitMq__VirtualHost", Broker.VirtualHost), new("RabbitMq__Username", Broker.Username), new("RabbitMq__Password", Broker.Password),
            // As deployed: Production, so the Data Protection key ring is encrypted to a certificate, the same for every process.
            new("DOTNET_ENVIRONMENT", "Production"), new("ASPNETCORE_ENVIRONMENT", "Production"),
            // The export scenario's fake SIS listens on 127.0.0.1 over http.
            new("Export__AllowPrivateTargets", "true"),
            .. KeyRingCertificate.Settings.Select(s => new KeyValuePair<string, string>(s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value!)),
            // Webhook receivers of the suite listen on 127.0.0.1; small batches make several deliveries of a few events.
            new("Webhooks__AllowPrivateTargets", "true"), new("Webhooks__BatchSize", "5"), new("Webhooks__PollInterval", "00:00:00.200"),
            new("Webhooks__Timeout", WebhookTimeout.ToString("c", CultureInfo.InvariantCulture)),
            new("Webhooks__LeaseDuration", WebhookLeaseDuration.ToString("c", CultureInfo.InvariantCulture)),
        ];
    }

    /// <summary>Starts one more Worker process (not waiting for it to be up).</summary>
    public ServiceProcess StartWorker()
    {
        var name = $"worker-{++_workerCount}";
        var worker = ServiceProcess.Start(name, Dll("Worker"),
        [
            .. CommonSettings(),
            new("Runs__ProgressInterval", "00:00:00.200"),
            new("Runs__LeaseDuration", LeaseDuration.ToString("c", CultureInfo.InvariantCulture)),
            new("Runs__LeaseRenewInterval", "00:00:02"),
            new("Dispatcher__Interval", "00:00:01"),
            new("Dispatcher__StaleAfter", "00:00:05"),
        ], Path.Combine(Logs, $"{name}.log"));
        _workers.Add(worker);
        return worker;
    }

    /// <summary>kill -9 of <paramref name="worker"/>, and a replacement Worker started at once.</summary>
    public ServiceProcess KillAndReplace(ServiceProcess worker)
    {
        worker.Kill9();
        _workers.Remove(worker);
        _exited.Add(worker);
        return StartWorker();
    }

    /// <summary>Processes that should be running but exited on their own (R29: a Worker never exits because a dependency is down).</summary>
    public IEnumerable<string> ExitedOnTheirOwn() => _workers.Append(Api).Where(p => p.HasExited).Select(p => $"{p.Name} ({p.LogPath})");

    /// <summary>The Worker process named by the run's lease (R29: lease_owner is host/pid/…), or null when no live Worker of ours holds it.</summary>
    public ServiceProcess? Holder(RunRow run) => HolderOf(run.LeaseOwner);

    /// <summary>The Worker process a lease owner (host/pid/…, of a run or a webhook delivery) names, or null when no live Worker of ours.</summary>
    public ServiceProcess? HolderOf(string? leaseOwner) =>
        leaseOwner?.Split('/') is [_, var pid, ..] && int.TryParse(pid, CultureInfo.InvariantCulture, out var id)
            ? _workers.FirstOrDefault(w => w.Id == id) : null;

    /// <summary>How many times the Worker logs (killed Workers' included) say the run was started.</summary>
    public int TimesStarted(Guid runId)
    {
        var marker = $"Run {runId} of district";
        return _workers.Concat(_exited).Sum(w => w.ReadLog().Split(marker).Length - 1);
    }

    // --- the Api ---------------------------------------------------------------------------------------------------------

    public async Task<HttpStatusCode> GetAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    public async Task<Guid> CreateDistrictAsync(string name)
    {
        using var response = await Http.PostAsJsonAsync(new Uri("/api/v1/districts", UriKind.Relative), new { name });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>POSTs the bundle as an import; the status code and the run it was answered with.</summary>
    public async Task<(HttpStatusCode Status, Guid Run)> ImportAsync(Guid districtId)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Bundle);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(file, "file", "district.zip");
        using var response = await Http.PostAsync(new Uri($"/api/v1/districts/{districtId}/imports", UriKind.Relative), form);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) return (response.StatusCode, Guid.Empty);
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid());
    }

    /// <summary>Subscribes <paramref name="receiver"/> to the district's events of <paramref name="types"/> and gives it the secret.</summary>
    public async Task<Guid> SubscribeAsync(Guid districtId, WebhookReceiver receiver, params string[] types)
    {
        using var response = await Http.PostAsJsonAsync(new Uri($"/api/v1/districts/{districtId}/webhooks", UriKind.Relative), new { url = receiver.Url, eventTypes = types });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        receiver.Secrets["current"] = created.GetProperty("secret").GetString()!;
        return created.GetProperty("webhook").GetProperty("id").GetGuid();
    }

    // --- the database, read directly (never through the proxy) ---------------------------------------------------------

    public async Task<RunRow> RunAsync(Guid runId)
    {
        // to_jsonb: the lease columns (R29) are read when the schema has them, without naming them in SQL.
        await using var command = Db.CreateCommand("SELECT to_jsonb(r)::text FROM sync_runs r WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        var json = await command.ExecuteScalarAsync() as string ?? throw new InvalidOperationException($"run {runId} not found");
        var row = JsonDocument.Parse(json).RootElement;
        string? Text(string name) => row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new RunRow(runId, Text("status")!, Text("phase"), Text("lease_owner"),
            row.TryGetProperty("takeovers", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : null, Text("error"));
    }

    /// <summary>Polls the run until it is running in <paramref name="phase"/>; fails when it ends first.</summary>
    public async Task<RunRow> WaitForPhaseAsync(Guid runId, string phase, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var run = await RunAsync(runId);
            if (run.Status == RunStatus.Running && run.Phase == phase) return run;
            if (run.Ended) throw new InvalidOperationException($"run {runId} ended {run.Status} before the {phase} phase was seen");
            if (DateTime.UtcNow > until) throw new TimeoutException($"run {runId} was not {phase} within {timeout.TotalSeconds:F0} s (it is {run.Status} {run.Phase})");
            await Task.Delay(20);
        }
    }

    /// <summary>Polls the run until it ended; its final status, or null when it had not ended within <paramref name="timeout"/>.</summary>
    public async Task<string?> WaitForEndAsync(Guid runId, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var run = await RunAsync(runId);
            if (run.Ended) return run.Status;
            if (DateTime.UtcNow > until) return null;
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// After a fault: waits (within <see cref="RunEndBound"/>) for every run to end, compares each district's roster with the
    /// reference, and adds the scenario's row to the table.
    /// </summary>
    public async Task<FaultRow> SettleAsync(string scenario, DateTime faultEnded, IReadOnlyList<(Guid District, Guid Run)> runs)
    {
        var ends = await Task.WhenAll(runs.Select(r => WaitForEndAsync(r.Run, RunEndBound)));
        var recovery = (DateTime.UtcNow - faultEnded).TotalSeconds;
        int lost = 0, extra = 0;
        foreach (var district in runs.Select(r => r.District).Distinct())
        {
            var digest = await RosterDigest.ReadAsync(Db, district);
            lost += digest.LostAgainst(Reference);
            extra += digest.ExtraAgainst(Reference);
        }
        var outcome = string.Join(", ", ends.GroupBy(e => e ?? "stuck").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
        var row = new FaultRow(scenario, runs.Count, ends.Count(e => e is null), lost, extra, recovery, outcome);
        Table.Add(row);
        return row;
    }

    /// <summary>The first <paramref name="limit"/> people of the district, by id.</summary>
    public async Task<List<Guid>> PeopleAsync(Guid districtId, int limit)
    {
        await using var command = Db.CreateCommand("SELECT id FROM people WHERE district_id = $1 ORDER BY id LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var people = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) people.Add(reader.GetGuid(0));
        return people;
    }

    public async Task<long> ScalarAsync(string sql, params object[] args)
    {
        await using var command = Db.CreateCommand(sql);
        foreach (var a in args) command.Parameters.Add(new NpgsqlParameter { Value = a });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Stores the bundle as an upload and a queued run for it without publishing StartSync (as if published long ago and
    /// not due again), so a test decides every delivery.</summary>
    public async Task<Guid> QueueUnpublishedRunAsync(Guid districtId)
    {
        await using var db = Database.CreateDbContext();
        var upload = new Upload
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, FileName = "district.zip", Kind = "roster", Size = Bundle.Length,
            Content = Bundle, CreatedAt = DateTimeOffset.UtcNow,
        };
        var run = new SyncRun
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Trigger = RunTriggers.Upload, SourceKind = SourceKinds.Upload,
            UploadId = upload.Id, QueuedAt = DateTimeOffset.UtcNow,
            // In the future, so the dispatcher's "published long ago" re-publish never adds a delivery of its own.
            PublishedAt = DateTimeOffset.UtcNow.AddHours(1),
        };
        db.Uploads.Add(upload);
        db.SyncRuns.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    /// <summary>Publishes StartSync for the run <paramref name="times"/> times from a bus of the test's own, straight to the broker.</summary>
    public async Task PublishStartSyncAsync(Guid runId, Guid districtId, int times)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(Broker.Host, (ushort)Broker.Port, Broker.VirtualHost, h =>
        {
            h.Username(Broker.Username);
            h.Password(Broker.Password);
        }));
        await bus.StartAsync(TimeSpan.FromSeconds(60));
        try
        {
            for (var i = 0; i < times; i++) await bus.Publish(new StartSync(runId, districtId));
        }
        finally
        {
            await bus.StopAsync(TimeSpan.FromSeconds(30));
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"Waited {timeout.TotalSeconds:F0} s for {what}; logs in {Logs}");
            await Task.Delay(250);
        }
    }

    // --- setup -----------------------------------------------------------------------------------------------------------

    private static string Dll(string host) => Path.Combine(RepoRoot, "src", host, "bin", Configuration, "net10.0", $"RosterSync.{host}.dll");

    /// <summary>bench/Generator's district of <see cref="BundleShape"/> (fixed seed): a run of it takes seconds, long enough to kill in each phase.</summary>
    private static async Task<byte[]> GenerateBundleAsync()
    {
        var generator = Path.Combine(RepoRoot, "bench", "Generator", "bin", Configuration, "net10.0", "RosterSync.Bench.Generator.dll");
        var output = Path.Combine(Path.GetTempPath(), $"rs-fault-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[generator, "generate", .. BundleShape, "--seed", "42", "--out", output]) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the generator did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"the generator failed ({process.ExitCode}): {await stderr}");
        try
        {
            return await File.ReadAllBytesAsync(Path.Combine((await stdout).Trim(), "base.zip"));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RosterSync.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("RosterSync.sln not found above the test binaries");
    }
}

/// <summary>A run's row as the suite watches it; <see cref="LeaseOwner"/> and <see cref="Takeovers"/> exist once R29's leases do.</summary>
public sealed record RunRow(Guid Id, string Status, string? Phase, string? LeaseOwner, int? Takeovers, string? Error)
{
    public bool Ended => Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled or RunStatus.AwaitingApproval;
}
