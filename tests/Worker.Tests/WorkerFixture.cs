using System.IO.Compression;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using RosterSync.Contracts;
using RosterSync.Domain.Model;
using RosterSync.TestSupport;

namespace RosterSync.Worker.Tests;

/// <summary>A real Worker host (RabbitMQ consumer, dispatcher) over its own database and vhost.</summary>
public sealed class WorkerFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public TestBroker Broker { get; private set; } = null!;
    public IHost Host { get; private set; } = null!;
    public NpgsqlDataSource Db => Database.DataSource;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Broker = await TestBroker.CreateAsync();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([
            new("ConnectionStrings:Roster", Database.ConnectionString),
            new("Dispatcher:Interval", "00:00:00.500"),
            new("Dispatcher:StaleAfter", "00:00:02"),
            .. Broker.Settings,
        ]);
        builder.AddWorkerServices();
        Host = builder.Build();
        await Host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        await Database.DisposeAsync();
        await Broker.DisposeAsync();
    }

    public Task PublishAsync(Guid runId, Guid districtId) =>
        Host.Services.GetRequiredService<IBus>().Publish(new StartSync(runId, districtId));

    public async Task<Guid> CreateDistrictAsync()
    {
        await using var db = Database.CreateDbContext();
        var district = new District { Id = Guid.CreateVersion7(), Name = "Test district", CreatedAt = DateTimeOffset.UtcNow };
        db.Districts.Add(district);
        await db.SaveChangesAsync();
        return district.Id;
    }

    /// <summary>Stores an upload and a queued run for it, as the Api does, without publishing.</summary>
    public async Task<Guid> QueueUploadRunAsync(Guid districtId, byte[] content, string fileName = "roster.zip", bool dryRun = false)
    {
        await using var db = Database.CreateDbContext();
        var upload = new Upload
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, FileName = fileName, Kind = "roster", Size = content.Length,
            Content = content, CreatedAt = DateTimeOffset.UtcNow,
        };
        var run = new SyncRun
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Trigger = RunTriggers.Upload, SourceKind = SourceKinds.Upload,
            UploadId = upload.Id, DryRun = dryRun, QueuedAt = DateTimeOffset.UtcNow, PublishedAt = DateTimeOffset.UtcNow,
        };
        db.Uploads.Add(upload);
        db.SyncRuns.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    public async Task<SyncRun> WaitForRunAsync(Guid runId, TimeSpan? timeout = null, params string[] statuses)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        statuses = statuses.Length > 0 ? statuses : [RunStatus.Succeeded, RunStatus.Failed, RunStatus.AwaitingApproval, RunStatus.Cancelled];
        while (true)
        {
            await using var db = Database.CreateDbContext();
            var run = await db.SyncRuns.FindAsync(runId) ?? throw new InvalidOperationException($"run {runId} not found");
            if (statuses.Contains(run.Status)) return run;
            if (DateTime.UtcNow > until) throw new TimeoutException($"run {runId} is still {run.Status}");
            await Task.Delay(200);
        }
    }

    public async Task<long> ScalarAsync(string sql, params object[] args)
    {
        await using var command = Db.CreateCommand(sql);
        foreach (var a in args) command.Parameters.Add(new NpgsqlParameter { Value = a });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A zip of loose CSV files, the way a district sends a OneRoster bundle.</summary>
    public static byte[] Zip(string folder)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create))
            foreach (var file in Directory.GetFiles(folder, "*.csv"))
                zip.CreateEntryFromFile(file, Path.GetFileName(file));
        return buffer.ToArray();
    }

    public static byte[] DemoBundle() => File.ReadAllBytes(Path.Combine(RepoRoot(), "samples", "demo-district", "demo-district.zip"));

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RosterSync.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("RosterSync.sln not found above the test binaries");
    }
}
