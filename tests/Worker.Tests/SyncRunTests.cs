using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.TestSupport;

namespace RosterSync.Worker.Tests;

public class SyncRunTests(WorkerFixture worker) : IClassFixture<WorkerFixture>
{
    [Fact]
    public async Task Upload_run_reconciles_people_by_email_into_postgresql()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.PublishAsync(runId, district);

        var run = await worker.WaitForRunAsync(runId);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(44, run.Counts.People.Created);
        Assert.Equal(1, run.Counts.People.Skipped);
        Assert.Equal(44, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.Equal(6, await worker.ScalarAsync("SELECT count(*) FROM classes WHERE district_id = $1", district));
        Assert.Equal(66, await worker.ScalarAsync("SELECT count(*) FROM enrollments WHERE district_id = $1", district));
        Assert.Equal(2, await worker.ScalarAsync("SELECT count(*) FROM schools WHERE district_id = $1", district));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R6'", runId));
        Assert.True(await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1", runId) > 100);
    }

    [Fact]
    public async Task A_running_run_shows_its_phase_and_processed_rows_moving()
    {
        // Every progress write is recorded by a trigger, not sampled by polling: on two cores the in-process Worker's read
        // and plan can starve a polling loop for longer than a phase lasts.
        await worker.ScalarAsync("""
            CREATE TABLE IF NOT EXISTS progress_seen (run_id uuid, phase text, processed bigint, total bigint, at timestamptz DEFAULT clock_timestamp());
            CREATE OR REPLACE FUNCTION record_progress() RETURNS trigger LANGUAGE plpgsql AS
              $$ BEGIN INSERT INTO progress_seen (run_id, phase, processed, total) VALUES (NEW.id, NEW.phase, NEW.processed, NEW.total); RETURN NEW; END $$;
            CREATE OR REPLACE TRIGGER record_progress AFTER UPDATE OF phase, processed, total ON sync_runs
              FOR EACH ROW WHEN (NEW.status = 'running' AND NEW.phase IS NOT NULL) EXECUTE FUNCTION record_progress();
            SELECT 0
            """);
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.LargeBundle(50_000));
        await worker.PublishAsync(runId, district);

        Assert.Equal(RunStatus.Succeeded, (await worker.WaitForRunAsync(runId)).Status);
        var seen = new List<(string Phase, long Processed, long Total)>();
        await using (var command = worker.Db.CreateCommand("SELECT phase, processed, total FROM progress_seen WHERE run_id = $1 ORDER BY at"))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = runId });
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync()) seen.Add((rows.GetString(0), rows.GetInt64(1), rows.GetInt64(2)));
        }
        Assert.Equal([RunPhases.Reading, RunPhases.Planning, RunPhases.Applying], seen.Select(s => s.Phase).Distinct());
        Assert.Contains(seen, s => s.Phase == RunPhases.Reading && s.Processed > 0);
        Assert.True(seen.Any(s => s.Phase == RunPhases.Applying && s.Processed > 0 && s.Processed <= s.Total),
            string.Join(" ", seen.Where(s => s.Phase != RunPhases.Reading).Distinct()));
        Assert.True(seen.Where(s => s.Phase == RunPhases.Applying).Select(s => s.Processed).Distinct().Count() > 1, "applying progress did not move");
    }

    [Fact]
    public async Task R23_a_run_cancelled_while_it_applies_applies_nothing()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.LargeBundle(50_000));
        await worker.PublishAsync(runId, district);
        var until = DateTime.UtcNow.AddSeconds(90);
        while (await worker.ScalarAsync("SELECT count(*) FROM sync_runs WHERE id = $1 AND phase = 'applying' AND processed > 0", runId) == 0)
        {
            Assert.True(DateTime.UtcNow < until, "the run never showed applying progress");
            await Task.Delay(10);
        }

        // As POST sync-runs/{id}/cancel does: it does not wait for the apply.
        Assert.Equal(1, await worker.ScalarAsync(
            "WITH c AS (UPDATE sync_runs SET status = 'cancelled', finished_at = now() WHERE id = $1 AND status = 'running' RETURNING 1) SELECT count(*) FROM c", runId));

        // Wait for the apply's transaction to end (rolled back), then nothing of it may be there.
        while (await worker.ScalarAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL") > 0)
        {
            Assert.True(DateTime.UtcNow < until, "the apply's transaction never ended");
            await Task.Delay(50);
        }
        Assert.Equal(RunStatus.Cancelled, (await worker.WaitForRunAsync(runId)).Status);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1", runId));
    }

    [Fact]
    public async Task R23_re_running_the_same_upload_changes_nothing()
    {
        var district = await worker.CreateDistrictAsync();
        var first = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.PublishAsync(first, district);
        await worker.WaitForRunAsync(first);
        var before = await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district);

        var second = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.PublishAsync(second, district);
        var run = await worker.WaitForRunAsync(second);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1", second));
        Assert.Equal(44, run.Counts.People.Unchanged);
        Assert.Equal(before, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }

    [Fact]
    public async Task R20_dry_run_keeps_the_plan_and_applies_nothing()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle(), dryRun: true);
        await worker.PublishAsync(runId, district);

        var run = await worker.WaitForRunAsync(runId);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(44, run.Counts.People.Created);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.Equal(44, await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1 AND entity = 'person' AND action = 'created'", runId));
    }

    [Fact]
    public async Task R22_corrupt_upload_fails_the_run_with_an_issue_and_applies_nothing()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, [0x50, 0x4B, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8]);
        await worker.PublishAsync(runId, district);

        var run = await worker.WaitForRunAsync(runId);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.False(string.IsNullOrWhiteSpace(run.Error));
        Assert.Equal(1, run.IssueCount);
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R22' AND severity = 'error'", runId));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }

    [Fact]
    public async Task A_zip_without_users_csv_fails_the_run_naming_the_file()
    {
        var district = await worker.CreateDistrictAsync();
        var folder = Directory.CreateTempSubdirectory();
        File.WriteAllText(Path.Combine(folder.FullName, "orgs.csv"), "sourcedId,name,type\ns1,School,school\n");
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.Zip(folder.FullName));
        await worker.PublishAsync(runId, district);

        var run = await worker.WaitForRunAsync(runId);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("users.csv", run.Error);
    }

    [Fact]
    public async Task R21_truncated_feed_waits_for_approval_and_an_approved_run_applies()
    {
        var district = await worker.CreateDistrictAsync();
        var full = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.PublishAsync(full, district);
        await worker.WaitForRunAsync(full);

        var folder = Directory.CreateTempSubdirectory();
        var demo = Path.Combine(WorkerFixture.RepoRoot(), "samples", "demo-district");
        foreach (var file in Directory.GetFiles(demo, "*.csv")) File.Copy(file, Path.Combine(folder.FullName, Path.GetFileName(file)));
        var users = File.ReadAllLines(Path.Combine(folder.FullName, "users.csv"));
        File.WriteAllLines(Path.Combine(folder.FullName, "users.csv"), users.Take(users.Length / 2));
        var truncated = await worker.QueueUploadRunAsync(district, WorkerFixture.Zip(folder.FullName));
        await worker.PublishAsync(truncated, district);

        var waiting = await worker.WaitForRunAsync(truncated);
        Assert.Equal(RunStatus.AwaitingApproval, waiting.Status);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1 AND status = 'archived'", district));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_issues WHERE run_id = $1 AND rule = 'R21'", truncated));

        await worker.ScalarAsync("UPDATE sync_runs SET approved = true, status = 'queued' WHERE id = $1 RETURNING 1", truncated);
        await worker.PublishAsync(truncated, district);
        var applied = await worker.WaitForRunAsync(truncated, null, RunStatus.Succeeded, RunStatus.Failed);

        Assert.Equal(RunStatus.Succeeded, applied.Status);
        Assert.True(await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1 AND status = 'archived'", district) > 5);
    }

    [Fact]
    public async Task R24_revert_run_undoes_a_finished_run_in_a_new_run()
    {
        var district = await worker.CreateDistrictAsync();
        var first = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.PublishAsync(first, district);
        await worker.WaitForRunAsync(first);

        var folder = Directory.CreateTempSubdirectory();
        var demo = Path.Combine(WorkerFixture.RepoRoot(), "samples", "demo-district");
        foreach (var file in Directory.GetFiles(demo, "*.csv")) File.Copy(file, Path.Combine(folder.FullName, Path.GetFileName(file)));
        var usersPath = Path.Combine(folder.FullName, "users.csv");
        File.WriteAllText(usersPath, File.ReadAllText(usersPath).Replace(",Maria,Lopez,", ",Mariana,Lopez,", StringComparison.Ordinal));
        var edit = await worker.QueueUploadRunAsync(district, WorkerFixture.Zip(folder.FullName));
        await worker.PublishAsync(edit, district);
        await worker.WaitForRunAsync(edit);
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1 AND given_name = 'Mariana'", district));

        Guid revertId;
        await using (var db = worker.Database.CreateDbContext())
        {
            var revert = new SyncRun
            {
                Id = Guid.CreateVersion7(), DistrictId = district, Trigger = RunTriggers.Revert, SourceKind = "revert", RevertsRunId = edit,
                QueuedAt = DateTimeOffset.UtcNow, PublishedAt = DateTimeOffset.UtcNow,
            };
            db.SyncRuns.Add(revert);
            await db.SaveChangesAsync();
            revertId = revert.Id;
        }
        await worker.PublishAsync(revertId, district);
        var run = await worker.WaitForRunAsync(revertId);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1 AND given_name = 'Mariana'", district));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1 AND rule = 'R24' AND field = 'givenName'", revertId));
    }

    [Fact]
    public async Task Issue12_a_first_import_whose_link_partition_stays_locked_fails_retryable_and_applies_nothing()
    {
        var district = await worker.CreateDistrictAsync();
        // An Api write of the district that does not commit: the swap of the bulk-built enrollments cannot lock the partition.
        await using var api = await worker.Db.OpenConnectionAsync();
        await using var apiTx = await api.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO enrollments (id, district_id, class_id, person_id, role, origin, created_at) VALUES (gen_random_uuid(), $1, gen_random_uuid(), gen_random_uuid(), 'teacher', 'manual', now())", api))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = district });
            await insert.ExecuteNonQueryAsync();
        }
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.PublishAsync(runId, district);

        var run = await worker.WaitForRunAsync(runId);
        await apiTx.RollbackAsync();

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.True(run.Retryable);
        Assert.Contains("could not lock", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM enrollments WHERE district_id = $1", district));
    }
}
