using RosterSync.Domain.Model;

namespace RosterSync.Worker.Tests.Sources;

public class SftpSourceTests(SourceWorkerFixture worker, SshdServer sshd) : IClassFixture<SourceWorkerFixture>, IClassFixture<SshdServer>
{
    private static readonly DateTime Monday = new(2025, 9, 1, 6, 0, 0, DateTimeKind.Utc);

    private async Task<(Guid District, string Folder)> DistrictAsync(
        string user = SshdServer.PasswordUser, string? fingerprint = null, string? folder = null, GuardianFeedSettings? guardianFeed = null,
        string? password = null, Func<SyncSettings, SyncSettings>? adjust = null)
    {
        var district = await worker.CreateDistrictAsync();
        var outbox = sshd.Folder(user, district.ToString("N"));
        var secrets = new Dictionary<string, string>();
        if (user == SshdServer.PasswordUser) secrets["password"] = password ?? sshd.Password;
        else secrets["privateKey"] = sshd.PrivateKey;
        if (guardianFeed is not null) secrets["guardianFeed.privateKey"] = sshd.PrivateKey;
        var settings = SourceWorkerFixture.Settings(new SourceSettings
        {
            Kind = SourceKinds.OneRosterSftp, Host = "127.0.0.1", Port = sshd.Port, Username = user,
            HostKeyFingerprint = fingerprint ?? sshd.Fingerprint, Folder = folder ?? outbox, FilePattern = "*.zip",
        }, guardianFeed);
        await worker.ConfigureAsync(district, adjust?.Invoke(settings) ?? settings, secrets);
        return (district, outbox);
    }

    /// <summary>The demo bundle with Chloe (stu-1002) gone, Ben renamed Benjamin and a new student.</summary>
    private static byte[] EditedDemoBundle()
    {
        var folder = Directory.CreateTempSubdirectory();
        var demo = Path.Combine(WorkerFixture.RepoRoot(), "samples", "demo-district");
        foreach (var file in Directory.GetFiles(demo, "*.csv"))
        {
            var lines = File.ReadAllLines(file).Where(l => !l.Contains("stu-1002", StringComparison.Ordinal))
                .Select(l => l.StartsWith("stu-1001,", StringComparison.Ordinal) ? l.Replace(",Ben,", ",Benjamin,", StringComparison.Ordinal) : l).ToList();
            if (Path.GetFileName(file) == "users.csv")
                lines.Add("stu-1030,,,true,sch-hs,student,newkid30,,Nia,Green,,1030,nia.green.30@students.demo.k12.example,,,,09,");
            File.WriteAllLines(Path.Combine(folder.FullName, Path.GetFileName(file)), lines);
        }

        return WorkerFixture.Zip(folder.FullName);
    }

    /// <summary>A delta package: users.csv only (file.users delta, every other file absent), with these rows.</summary>
    private static byte[] DeltaBundle(params string[] userRows)
    {
        var folder = Directory.CreateTempSubdirectory();
        var demo = Path.Combine(WorkerFixture.RepoRoot(), "samples", "demo-district");
        File.WriteAllLines(Path.Combine(folder.FullName, "manifest.csv"), File.ReadAllLines(Path.Combine(demo, "manifest.csv"))
            .Select(l => !l.StartsWith("file.", StringComparison.Ordinal) ? l : l.StartsWith("file.users,", StringComparison.Ordinal) ? "file.users,delta" : l.Split(',')[0] + ",absent"));
        File.WriteAllLines(Path.Combine(folder.FullName, "users.csv"), [File.ReadLines(Path.Combine(demo, "users.csv")).First(), .. userRows]);
        return WorkerFixture.Zip(folder.FullName);
    }

    private static string NewStudent(int n, string status = "active") =>
        $"stu-2{n:000},{status},2025-09-0{n}T08:00:00Z,true,sch-hs,student,new{n},,New,Student{n},,2{n:000},new.student.{n}@students.demo.k12.example,,,,09,";

    [Fact]
    public async Task Deltas_delivered_faster_than_the_syncs_are_applied_one_after_another_none_skipped()
    {
        var (district, outbox) = await DistrictAsync();
        SshdServer.Put(outbox, "roster.zip", WorkerFixture.DemoBundle(), Monday);
        await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        SshdServer.Put(outbox, "delta-1.zip", DeltaBundle(NewStudent(1)), Monday.AddHours(1));
        SshdServer.Put(outbox, "delta-2.zip", DeltaBundle(NewStudent(2)), Monday.AddHours(2));

        var first = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        var second = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        var third = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal("delta-1.zip", await worker.TextAsync("SELECT file_name FROM sftp_processed_files WHERE run_id = $1", first.Id));
        Assert.Equal("delta-2.zip", await worker.TextAsync("SELECT file_name FROM sftp_processed_files WHERE run_id = $1", second.Id));
        Assert.Equal((1, 1), (first.Counts.People.Created, second.Counts.People.Created));
        Assert.Equal(0, first.Counts.People.Archived);   // a delta abandons nobody
        Assert.Contains("No new file", await worker.TextAsync("SELECT message FROM run_issues WHERE run_id = $1", third.Id));
        Assert.Equal(46, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }

    [Fact]
    public async Task A_pending_bulk_bundle_replaces_the_deltas_before_it_and_the_deltas_after_it_follow()
    {
        var (district, outbox) = await DistrictAsync();
        SshdServer.Put(outbox, "a-delta.zip", DeltaBundle(NewStudent(1)), Monday);
        SshdServer.Put(outbox, "b-bulk.zip", WorkerFixture.DemoBundle(), Monday.AddHours(1));
        SshdServer.Put(outbox, "c-delta.zip", DeltaBundle(NewStudent(2)), Monday.AddHours(2));

        var first = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        var second = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal("b-bulk.zip", await worker.TextAsync("SELECT file_name FROM sftp_processed_files WHERE run_id = $1", first.Id));
        Assert.Equal("c-delta.zip", await worker.TextAsync("SELECT file_name FROM sftp_processed_files WHERE run_id = $1", second.Id));
        Assert.Null(await worker.TextAsync("SELECT id::text FROM people WHERE district_id = $1 AND one_roster_id = 'stu-2001'", district));
        Assert.NotNull(await worker.TextAsync("SELECT id::text FROM people WHERE district_id = $1 AND one_roster_id = 'stu-2002'", district));
    }

    [Fact]
    public async Task Password_login_reads_the_newest_bundle_and_leaves_it_in_place()
    {
        var (district, outbox) = await DistrictAsync();
        SshdServer.Put(outbox, "2025-08-31.zip", [1, 2, 3], Monday.AddDays(-1));
        var newest = SshdServer.Put(outbox, "2025-09-01.zip", WorkerFixture.DemoBundle(), Monday);
        SshdServer.Put(outbox, "notes.txt", [1], Monday.AddDays(1));

        var run = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(44, run.Counts.People.Created);
        Assert.Equal(44, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.True(File.Exists(newest));
        Assert.Equal("2025-09-01.zip", await worker.TextAsync("SELECT file_name FROM sftp_processed_files WHERE run_id = $1", run.Id));
    }

    [Fact]
    public async Task Key_login_no_new_file_then_a_new_bundle_with_edits_and_removals()
    {
        var (district, outbox) = await DistrictAsync(SshdServer.KeyUser);
        SshdServer.Put(outbox, "roster-1.zip", WorkerFixture.DemoBundle(), Monday);
        var first = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        var nothingNew = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        SshdServer.Put(outbox, "roster-2.zip", EditedDemoBundle(), Monday.AddDays(1));
        var edited = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(RunStatus.Succeeded, first.Status);
        Assert.Equal(RunStatus.Succeeded, nothingNew.Status);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1", nothingNew.Id));
        Assert.Contains("No new file", await worker.TextAsync("SELECT message FROM run_issues WHERE run_id = $1 AND severity = 'warning'", nothingNew.Id));
        Assert.Equal(RunStatus.Succeeded, edited.Status);
        Assert.Equal(1, edited.Counts.People.Created);
        Assert.Equal("Benjamin", await worker.TextAsync("SELECT given_name FROM people WHERE district_id = $1 AND one_roster_id = 'stu-1001'", district));
        Assert.Equal(RecordStatus.Archived, await worker.TextAsync("SELECT status FROM people WHERE district_id = $1 AND one_roster_id = 'stu-1002'", district));
        Assert.Equal(2, await worker.ScalarAsync("SELECT count(*) FROM sftp_processed_files WHERE district_id = $1", district));
    }

    [Fact]
    public async Task R22_host_key_mismatch_fails_the_run_and_applies_nothing()
    {
        var (district, outbox) = await DistrictAsync(fingerprint: sshd.OtherFingerprint);
        SshdServer.Put(outbox, "roster.zip", WorkerFixture.DemoBundle(), Monday);

        var run = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("host key mismatch", run.Error);
        Assert.Contains(sshd.Fingerprint, run.Error);
        // Retrying cannot fix a key that does not match: a scheduled run is not tried again for it.
        Assert.False(run.Retryable);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }

    [Fact]
    public async Task R22_a_connection_reset_by_the_network_fails_the_run_as_retryable()
    {
        // The SFTP server behind a proxy that resets the connection as soon as it is open, and every one after it.
        await using var proxy = new RosterSync.TestSupport.TcpFaultProxy("127.0.0.1", sshd.Port);
        var (district, outbox) = await DistrictAsync(adjust: s => s with { Source = s.Source! with { Port = proxy.Port } });
        SshdServer.Put(outbox, "roster.zip", WorkerFixture.DemoBundle(), Monday);
        var cut = Task.Run(async () =>
        {
            while (proxy.OpenConnections == 0) await Task.Delay(1);
            await proxy.CutAsync();
        });

        var run = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        await cut;

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("SFTP", run.Error);
        // A network failure may pass: a scheduled run is tried again (5, 15, 45 min), unlike a refused key or login.
        Assert.True(run.Retryable, run.Error);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }

    [Fact]
    public async Task R22_a_missing_folder_fails_the_run()
    {
        var (district, _) = await DistrictAsync(folder: "/no/such/outbox");

        var run = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("'/no/such/outbox' does not exist", run.Error);
    }

    [Fact]
    public async Task R22_a_wrong_password_fails_with_an_authorization_message()
    {
        var (district, outbox) = await DistrictAsync(password: "not-the-password");
        SshdServer.Put(outbox, "roster.zip", WorkerFixture.DemoBundle(), Monday);

        var run = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("rejected the login (authorization failed)", run.Error);
        Assert.DoesNotContain("not-the-password", run.Error);
    }

    [Fact]
    public async Task R22_a_corrupt_newest_bundle_fails_applies_nothing_and_is_tried_again()
    {
        var (district, outbox) = await DistrictAsync();
        SshdServer.Put(outbox, "roster-1.zip", WorkerFixture.DemoBundle(), Monday);
        await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        var before = await worker.RosterStateAsync(district);
        var corrupt = WorkerFixture.DemoBundle()[..400];
        SshdServer.Put(outbox, "roster-2.zip", corrupt, Monday.AddDays(1));

        var failed = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        var again = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R22'", failed.Id));
        // The error and its issue name the remote file and say what to do about it.
        Assert.Matches(@"^The SFTP file '[^']*/roster-2\.zip' could not be read: The file is not a zip archive, or a damaged one .*Replace it on the server", failed.Error);
        Assert.EndsWith("/roster-2.zip", await worker.TextAsync("SELECT file FROM run_issues WHERE run_id = $1 AND rule = 'R22'", failed.Id));
        Assert.Equal(before, await worker.RosterStateAsync(district));
        Assert.Equal(RunStatus.Failed, again.Status);
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM sftp_processed_files WHERE district_id = $1", district));
    }

    [Fact]
    public async Task R26_a_windows_1252_bundle_with_a_nul_in_one_row_applies_with_issues_instead_of_failing_in_postgresql()
    {
        var (district, outbox) = await DistrictAsync();
        var folder = Directory.CreateTempSubdirectory();
        var demo = Path.Combine(WorkerFixture.RepoRoot(), "samples", "demo-district");
        foreach (var file in Directory.GetFiles(demo, "*.csv")) File.Copy(file, Path.Combine(folder.FullName, Path.GetFileName(file)));
        var users = File.ReadAllText(Path.Combine(demo, "users.csv"))
            .Replace(",Maria,Lopez,", ",María,López,", StringComparison.Ordinal).Replace(",James,Chen,", ",Ja\0mes,Chen,", StringComparison.Ordinal);
        File.WriteAllBytes(Path.Combine(folder.FullName, "users.csv"), System.Text.CodePagesEncodingProvider.Instance.GetEncoding(1252)!.GetBytes(users));
        SshdServer.Put(outbox, "roster.zip", WorkerFixture.Zip(folder.FullName), Monday);

        var run = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("María López", await worker.TextAsync(
            "SELECT given_name || ' ' || family_name FROM people WHERE district_id = $1 AND email = 'maria.lopez@demo.k12.example'", district));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1 AND email = 'james.chen@demo.k12.example'", district));
        Assert.Equal("error users.csv 3 tch-2|warning users.csv 2 ", await worker.TextAsync("""
            SELECT string_agg(severity || ' ' || file || ' ' || row || ' ' || coalesce(source_id, ''), '|' ORDER BY severity, row DESC)
            FROM run_issues WHERE run_id = $1 AND rule = 'R26'
            """, run.Id));
    }

    [Fact]
    public async Task R22_a_file_over_the_size_cap_fails_the_run()
    {
        var (district, outbox) = await DistrictAsync();
        SshdServer.Put(outbox, "huge.zip", new byte[1_100_000], Monday);

        var run = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("larger than", run.Error);
    }

    private Task<(Guid District, string Folder)> StrictDistrictAsync() =>
        DistrictAsync(adjust: s => s with { SafetyThresholdPercent = 1, SafetyThresholdMinimum = 0 });

    [Fact]
    public async Task R21_an_approved_run_applies_the_file_it_was_planned_with_even_when_a_newer_one_has_arrived()
    {
        var (district, outbox) = await StrictDistrictAsync();
        SshdServer.Put(outbox, "roster-1.zip", WorkerFixture.DemoBundle(), Monday);
        Assert.Equal(RunStatus.Succeeded, (await worker.SyncAsync(district, SourceKinds.OneRosterSftp)).Status);
        SshdServer.Put(outbox, "roster-2.zip", EditedDemoBundle(), Monday.AddDays(1));
        var held = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        SshdServer.Put(outbox, "roster-3.zip", WorkerFixture.DemoBundle(), Monday.AddDays(2));

        var approved = await worker.ApproveAsync(held.Id, district);
        var next = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(RunStatus.AwaitingApproval, held.Status);
        Assert.Equal(RunStatus.Succeeded, approved.Status);
        Assert.Equal("roster-2.zip", await worker.TextAsync("SELECT file_name FROM sftp_processed_files WHERE run_id = $1", held.Id));
        Assert.Equal(1, approved.Counts.People.Archived);
        Assert.Equal("Benjamin", await worker.TextAsync("SELECT given_name FROM people WHERE district_id = $1 AND one_roster_id = 'stu-1001'", district));
        // The newer file was left for the next run, which stops for approval in turn (stu-1030 is gone from it).
        Assert.Equal("roster-3.zip", await worker.TextAsync("SELECT file_name FROM sftp_processed_files WHERE run_id = $1", next.Id));
    }

    [Fact]
    public async Task R22_an_approved_run_whose_file_was_replaced_fails_and_applies_nothing()
    {
        var (district, outbox) = await StrictDistrictAsync();
        SshdServer.Put(outbox, "roster-1.zip", WorkerFixture.DemoBundle(), Monday);
        await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        SshdServer.Put(outbox, "roster-2.zip", EditedDemoBundle(), Monday.AddDays(1));
        var held = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        SshdServer.Put(outbox, "roster-2.zip", WorkerFixture.DemoBundle(), Monday.AddDays(1).AddMinutes(5));

        var approved = await worker.ApproveAsync(held.Id, district);

        Assert.Equal(RunStatus.Failed, approved.Status);
        Assert.Contains("no longer in", approved.Error);
        Assert.Equal(RecordStatus.Active, await worker.TextAsync("SELECT status FROM people WHERE district_id = $1 AND one_roster_id = 'stu-1002'", district));
    }

    [Fact]
    public async Task A_dry_run_does_not_use_up_the_file()
    {
        var (district, outbox) = await DistrictAsync();
        SshdServer.Put(outbox, "roster.zip", WorkerFixture.DemoBundle(), Monday);

        var dry = await worker.SyncAsync(district, SourceKinds.OneRosterSftp, dryRun: true);
        var real = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(44, dry.Counts.People.Created);
        Assert.Equal(RunStatus.Succeeded, real.Status);
        Assert.Equal(44, real.Counts.People.Created);
    }

    [Fact]
    public async Task The_guardian_feed_adds_guardians_to_the_students_it_names()
    {
        var feedFolder = sshd.Folder(SshdServer.KeyUser, "feed-" + Guid.NewGuid().ToString("N")[..6]);
        var feed = SshdServer.Put(feedFolder, "guardians.csv", System.Text.Encoding.UTF8.GetBytes(
            "Guardian Email,Guardian First Name,Guardian Last Name,Student SIS ID,Relationship\n"
            + "nana.diaz@family.example,Nana,Diaz,1000,Grandparent\n"
            + "nana.diaz@family.example,Nana,Diaz,1001,Grandparent\n"
            + "lost.parent@family.example,Lost,Parent,9999,Parent\n"), Monday);
        var (district, outbox) = await DistrictAsync(guardianFeed: new GuardianFeedSettings
        {
            Host = "127.0.0.1", Port = sshd.Port, Username = SshdServer.KeyUser, HostKeyFingerprint = sshd.Fingerprint, Path = feed,
        });
        SshdServer.Put(outbox, "roster.zip", WorkerFixture.DemoBundle(), Monday);

        var run = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("1000,1001", await worker.TextAsync("""
            SELECT string_agg(s.sis_id, ',' ORDER BY s.sis_id) FROM guardian_links g
            JOIN people p ON p.id = g.guardian_id JOIN people s ON s.id = g.student_id
            WHERE g.district_id = $1 AND p.email = 'nana.diaz@family.example'
            """, district));
        // R27: the row naming an unknown student is skipped, and its guardian, who has no other student, is not created.
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R27' AND message LIKE '%9999%'", run.Id));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1 AND email = 'lost.parent@family.example'", district));
    }

    [Fact]
    public async Task Source_test_counts_the_newest_bundle_without_taking_it()
    {
        var (district, outbox) = await DistrictAsync(SshdServer.KeyUser);
        SshdServer.Put(outbox, "roster.zip", WorkerFixture.DemoBundle(), Monday);

        var ok = await worker.TestSourceAsync(district);
        var run = await worker.SyncAsync(district, SourceKinds.OneRosterSftp);
        var (badDistrict, _) = await DistrictAsync(fingerprint: "MD5:12:34");
        var bad = await worker.TestSourceAsync(badDistrict);

        Assert.True(ok.Ok);
        Assert.Equal(45, ok.Counts["people"]);
        Assert.Equal(66, ok.Counts["enrollments"]);
        Assert.Equal(44, run.Counts.People.Created);
        Assert.False(bad.Ok);
        Assert.True(bad.SettingsProblem);
        Assert.Contains("hostKeyFingerprint", bad.Problem);
    }
}
