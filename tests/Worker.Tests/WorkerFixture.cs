using System.IO.Compression;
using RosterSync.Domain.Model;

namespace RosterSync.Worker.Tests;

/// <summary>
/// A Worker whose dispatcher re-publishes a queued run after 2 s and whose runs write their progress every 50 ms,
/// for the runs and outbox tests.
/// </summary>
public class WorkerFixture : WorkerHost
{
    static WorkerFixture()
    {
        // The Worker runs in the test process: on two cores its CPU-bound read and state load hold both of the pool's
        // minimum threads, and the 50 ms progress timer waits for the pool to grow (about half a second) before it writes.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), io);
    }

    protected override IEnumerable<KeyValuePair<string, string?>> HostSettings =>
        [new("Dispatcher:Interval", "00:00:00.500"), new("Dispatcher:StaleAfter", "00:00:02"), new("Runs:ProgressInterval", "00:00:00.050")];

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

    /// <summary>A zip of loose CSV files, the way a district sends a OneRoster bundle.</summary>
    public static byte[] Zip(string folder)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create))
            foreach (var file in Directory.GetFiles(folder, "*.csv"))
                zip.CreateEntryFromFile(file, Path.GetFileName(file));
        return buffer.ToArray();
    }

    /// <summary>A OneRoster bundle of one school, <paramref name="students"/> students and four enrollments each.</summary>
    public static byte[] LargeBundle(int students)
    {
        var folder = Directory.CreateTempSubdirectory();
        File.WriteAllText(Path.Combine(folder.FullName, "orgs.csv"), "sourcedId,name,type\nsch-1,Big High,school\n");
        var users = new System.Text.StringBuilder("sourcedId,orgSourcedIds,role,givenName,familyName,email\n");
        var classes = new System.Text.StringBuilder("sourcedId,title,schoolSourcedId,classType\n");
        var enrollments = new System.Text.StringBuilder("sourcedId,classSourcedId,userSourcedId,role\n");
        for (var c = 0; c < 200; c++) classes.Append(System.Globalization.CultureInfo.InvariantCulture, $"c{c},Class {c},sch-1,scheduled\n");
        for (var i = 0; i < students; i++)
        {
            users.Append(System.Globalization.CultureInfo.InvariantCulture, $"s{i},sch-1,student,Kid,Number{i},kid{i}@big.example\n");
            for (var k = 0; k < 4; k++) enrollments.Append(System.Globalization.CultureInfo.InvariantCulture, $"e{i}-{k},c{(i + k * 50) % 200},s{i},student\n");
        }
        File.WriteAllText(Path.Combine(folder.FullName, "users.csv"), users.ToString());
        File.WriteAllText(Path.Combine(folder.FullName, "classes.csv"), classes.ToString());
        File.WriteAllText(Path.Combine(folder.FullName, "enrollments.csv"), enrollments.ToString());
        return Zip(folder.FullName);
    }

    public static byte[] DemoBundle() => File.ReadAllBytes(Path.Combine(RepoRoot(), "samples", "demo-district", "demo-district.zip"));

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RosterSync.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("RosterSync.sln not found above the test binaries");
    }
}
