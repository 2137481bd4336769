using Microsoft.Extensions.DependencyInjection;
using RosterSync.Domain.Model;
using RosterSync.Worker.Runs;

namespace RosterSync.Worker.Tests;

public class ScheduleTests(WorkerFixture worker) : IClassFixture<WorkerFixture>
{
    private async Task<Guid> DistrictWithScheduleAsync(string cron)
    {
        var district = await worker.CreateDistrictAsync();
        await using var db = worker.Database.CreateDbContext();
        db.SyncSettings.Add(new SyncSettingsRow
        {
            DistrictId = district, UpdatedAt = DateTimeOffset.UtcNow,
            Settings = SyncSettings.Default with { Schedule = cron, Source = new SourceSettings { Kind = SourceKinds.Clever, BaseUrl = "http://127.0.0.1:9" } },
        });
        await db.SaveChangesAsync();
        return district;
    }

    [Fact]
    public async Task A_due_schedule_queues_one_run_even_when_replicas_evaluate_it_together()
    {
        var district = await DistrictWithScheduleAsync("0 2 * * *");
        var service = worker.Host.Services.GetRequiredService<ScheduleService>();
        var from = new DateTimeOffset(2026, 11, 23, 1, 59, 0, TimeSpan.Zero);
        var to = from.AddMinutes(2);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => service.QueueDueRunsAsync(from, to, CancellationToken.None)));

        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM sync_runs WHERE district_id = $1 AND trigger = 'schedule'", district));
    }

    [Fact]
    public async Task A_schedule_that_has_not_fired_queues_nothing()
    {
        var district = await DistrictWithScheduleAsync("0 2 * * *");
        var service = worker.Host.Services.GetRequiredService<ScheduleService>();
        var from = new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero);

        await service.QueueDueRunsAsync(from, from.AddMinutes(30), CancellationToken.None);

        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM sync_runs WHERE district_id = $1", district));
    }

    [Fact]
    public async Task R25_a_schedule_firing_while_a_run_is_open_queues_no_second_run()
    {
        var district = await DistrictWithScheduleAsync("*/5 * * * *");
        var open = await worker.QueueUploadRunAsync(district, [1, 2, 3]);
        await worker.ScalarAsync("UPDATE sync_runs SET status = 'awaiting-approval' WHERE id = $1 RETURNING 1", open);
        var service = worker.Host.Services.GetRequiredService<ScheduleService>();
        var from = new DateTimeOffset(2026, 11, 23, 3, 59, 0, TimeSpan.Zero);

        await service.QueueDueRunsAsync(from, from.AddMinutes(2), CancellationToken.None);

        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM sync_runs WHERE district_id = $1 AND trigger = 'schedule'", district));
    }
}
