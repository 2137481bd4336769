using Microsoft.Extensions.DependencyInjection;
using RosterSync.Domain.Model;
using RosterSync.TestSupport;
using RosterSync.Worker.Runs;

namespace RosterSync.Worker.Tests;

public class RunClaimingTests(WorkerFixture worker) : IClassFixture<WorkerFixture>
{
    [Fact]
    public async Task Only_one_of_many_concurrent_claimers_wins()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var scope = worker.Host.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<RunClaimer>().TryClaimAsync(runId, CancellationToken.None);
        }));

        Assert.Single(claims, c => c is not null);
    }

    [Fact]
    public async Task A_duplicate_StartSync_message_runs_the_sync_once()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());

        await Task.WhenAll(worker.PublishAsync(runId, district), worker.PublishAsync(runId, district), worker.PublishAsync(runId, district));
        var run = await worker.WaitForRunAsync(runId);
        await Task.Delay(1000);

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(44, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.Equal(44, await worker.ScalarAsync("SELECT count(*) FROM run_changes WHERE run_id = $1 AND entity = 'person' AND action = 'created'", runId));
    }

    [Fact]
    public async Task A_message_for_a_finished_run_does_nothing()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.PublishAsync(runId, district);
        var finished = await worker.WaitForRunAsync(runId);

        await worker.PublishAsync(runId, district);
        await Task.Delay(1000);

        await using var db = worker.Database.CreateDbContext();
        var again = await db.SyncRuns.FindAsync(runId);
        Assert.Equal(finished.FinishedAt, again!.FinishedAt);
    }

    [Fact]
    public async Task A_queued_run_that_was_never_published_is_dispatched_from_the_run_row()
    {
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.ScalarAsync("UPDATE sync_runs SET published_at = NULL WHERE id = $1 RETURNING 1", runId);

        var run = await worker.WaitForRunAsync(runId);

        Assert.Equal(RunStatus.Succeeded, run.Status);
    }
}
