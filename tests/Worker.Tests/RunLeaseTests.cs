using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RosterSync.Domain.Model;
using RosterSync.Worker.Runs;

namespace RosterSync.Worker.Tests;

/// <summary>
/// A Worker with short leases (renewed every 300 ms, expiring after 3 s, at most 2 takeovers) that keeps its log lines, so
/// tests can wait for what it did instead of sleeping.
/// </summary>
public class LeaseWorkerFixture : WorkerFixture
{
    public const int MaxTakeovers = 2;

    public CapturedLog Log { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> HostSettings =>
    [
        .. base.HostSettings,
        new("Runs:LeaseRenewInterval", "00:00:00.300"), new("Runs:LeaseDuration", "00:00:03"),
        new("Runs:MaxTakeovers", MaxTakeovers.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    protected override void ConfigureHost(HostApplicationBuilder builder) => builder.Logging.AddProvider(Log.Provider);

    public string WorkerName => Host.Services.GetRequiredService<WorkerIdentity>().Name;

    /// <summary>Leaves the run as a Worker that died while holding it leaves it: running, lease held by a gone owner.</summary>
    public Task LeaveAsDeadWorkerWouldAsync(Guid runId, string leaseExpiresIn, int takeovers = 0) => ScalarAsync("""
        UPDATE sync_runs SET status = 'running', started_at = now() - interval '1 minute', phase = 'applying',
               lease_owner = 'gone-host/4242/deadbeef', lease_expires_at = now() + $2::interval, takeovers = $3
        WHERE id = $1 RETURNING 1
        """, runId, leaseExpiresIn, takeovers);

    /// <summary>What a district holds after an import, independent of ids and timestamps: equal for two districts given one bundle.</summary>
    public Task<string?> RosterOfAsync(Guid districtId) => TextAsync("""
        SELECT concat_ws(' | ',
            (SELECT string_agg(concat_ws(',', p.email, p.given_name, p.family_name, p.status), ';' ORDER BY p.email) FROM people p WHERE p.district_id = $1),
            (SELECT string_agg(c.name, ';' ORDER BY c.name) FROM classes c WHERE c.district_id = $1),
            (SELECT count(*) FROM enrollments WHERE district_id = $1 AND ended_at IS NULL),
            (SELECT count(*) FROM memberships WHERE district_id = $1 AND ended_at IS NULL),
            (SELECT count(*) FROM schools WHERE district_id = $1))
        """, districtId);
}

public class RunLeaseTests(LeaseWorkerFixture worker) : IClassFixture<LeaseWorkerFixture>
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task R29_a_run_whose_Worker_died_is_taken_over_after_its_lease_expired_and_imports_like_a_normal_run()
    {
        var normal = await worker.CreateDistrictAsync();
        var normalRun = await worker.QueueUploadRunAsync(normal, WorkerFixture.DemoBundle());
        await worker.PublishAsync(normalRun, normal);
        Assert.Equal(RunStatus.Succeeded, (await worker.WaitForRunAsync(normalRun)).Status);

        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.LeaveAsDeadWorkerWouldAsync(runId, "-1 second");

        // No message is published here: the dispatcher's sweep finds the expired lease.
        var run = await worker.WaitForRunAsync(runId, Generous);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(1, run.Takeovers);
        Assert.Equal(worker.WorkerName, run.LeaseOwner);
        Assert.Null(run.LeaseExpiresAt);
        Assert.Equal(44, run.Counts.People.Created);
        Assert.Equal(await worker.RosterOfAsync(normal), await worker.RosterOfAsync(district));
    }

    [Fact]
    public async Task R29_a_redelivered_message_for_a_run_leased_by_a_live_Worker_does_nothing()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.LeaveAsDeadWorkerWouldAsync(runId, "10 minutes");

        await worker.PublishAsync(runId, district);
        await worker.Log.WaitForAsync(Generous, 0, runId.ToString(), "not claimable");

        await using var db = worker.Database.CreateDbContext();
        var run = await db.SyncRuns.FindAsync(runId);
        Assert.Equal((RunStatus.Running, "gone-host/4242/deadbeef", 0), (run!.Status, run.LeaseOwner, run.Takeovers));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        await worker.ScalarAsync("UPDATE sync_runs SET status = 'cancelled' WHERE id = $1 RETURNING 1", runId);
    }

    [Fact]
    public async Task R29_a_run_taken_over_too_often_ends_failed_with_a_clear_error_and_applies_nothing()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.LeaveAsDeadWorkerWouldAsync(runId, "-1 second", takeovers: LeaseWorkerFixture.MaxTakeovers);

        var run = await worker.WaitForRunAsync(runId, Generous);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains($"taken over {LeaseWorkerFixture.MaxTakeovers} times; the Worker holding it stopped each time — see logs", run.Error);
        Assert.NotNull(run.FinishedAt);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
    }

    [Fact]
    public async Task R29_a_run_is_taken_over_at_most_MaxTakeovers_times_and_then_fails()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.LeaveAsDeadWorkerWouldAsync(runId, "-1 second", takeovers: LeaseWorkerFixture.MaxTakeovers - 1);

        // The last takeover allowed runs it to the end.
        var run = await worker.WaitForRunAsync(runId, Generous);

        Assert.Equal((RunStatus.Succeeded, LeaseWorkerFixture.MaxTakeovers), (run.Status, run.Takeovers));
    }

    [Fact]
    public async Task R29_a_Worker_whose_lease_was_taken_over_stops_and_does_not_apply()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.LargeBundle(50_000));
        await worker.PublishAsync(runId, district);
        var until = DateTime.UtcNow + Generous;
        while (await worker.ScalarAsync("SELECT count(*) FROM sync_runs WHERE id = $1 AND status = 'running' AND processed > 0", runId) == 0)
        {
            Assert.True(DateTime.UtcNow < until, "the run never started");
            await Task.Delay(10);
        }

        // Another Worker takes it over (as after a pause longer than the lease): this one must notice and stop.
        Assert.Equal(1, await worker.ScalarAsync("""
            WITH t AS (UPDATE sync_runs SET lease_owner = 'other-host/1/cafebabe', lease_expires_at = now() + interval '10 minutes', takeovers = takeovers + 1
                       WHERE id = $1 AND status = 'running' RETURNING 1) SELECT count(*) FROM t
            """, runId));
        await worker.Log.WaitForAsync(Generous, 0, runId.ToString(), "nothing applied by this Worker");

        await using var db = worker.Database.CreateDbContext();
        var run = await db.SyncRuns.FindAsync(runId);
        Assert.Equal((RunStatus.Running, "other-host/1/cafebabe"), (run!.Status, run.LeaseOwner));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1", runId));
        await worker.ScalarAsync("UPDATE sync_runs SET status = 'cancelled' WHERE id = $1 RETURNING 1", runId);
    }

    [Fact]
    public async Task R29_the_holder_renews_its_lease_while_it_works()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.LargeBundle(50_000));
        await worker.PublishAsync(runId, district);

        var expiries = new HashSet<DateTimeOffset>();
        var until = DateTime.UtcNow + Generous;
        while (expiries.Count < 3)
        {
            await using var db = worker.Database.CreateDbContext();
            var run = await db.SyncRuns.FindAsync(runId);
            if (run!.Status != RunStatus.Running && run.Status != RunStatus.Queued) break;
            if (run.LeaseExpiresAt is { } expires) expiries.Add(expires);
            Assert.True(DateTime.UtcNow < until, "the run did not end");
            await Task.Delay(50);
        }

        var done = await worker.WaitForRunAsync(runId, Generous);
        Assert.Equal((RunStatus.Succeeded, 0), (done.Status, done.Takeovers));
        Assert.True(expiries.Count >= 3, $"the lease was renewed {expiries.Count - 1} times while the run worked");
        Assert.Equal(0, worker.Log.Count(0, runId.ToString(), "no longer holds it"));
    }
}
