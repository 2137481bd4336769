using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;
using RosterSync.ServiceDefaults;
using RosterSync.Worker.Runs;
using RosterSync.Worker.Sources;
using RosterSync.Worker.Tests.Sources;

namespace RosterSync.Worker.Tests;

/// <summary>SPEC §5, pure: due times in the schedule's time zone across daylight saving, pauses, the retry backoff.</summary>
public class ScheduleEvaluationTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static DistrictSchedule Schedule(string cron, string zone = "America/New_York", params SchedulePause[] pauses) =>
        DistrictSchedule.From(new SyncSettings { Schedule = cron, ScheduleTimeZone = zone, Pauses = pauses })!;

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2027, month, day, hour, minute, 0, TimeSpan.Zero);

    /// <summary>Every due time of <paramref name="schedule"/> in (from, to], found the way the Worker finds them: window by window.</summary>
    private static List<DateTimeOffset> DueTimes(DistrictSchedule schedule, DateTimeOffset from, DateTimeOffset to)
    {
        var due = new List<DateTimeOffset>();
        for (var t = from; t < to; t += TimeSpan.FromSeconds(30))
            if (schedule.DueBetween(t, t + TimeSpan.FromSeconds(30)) is { } d) due.Add(d);
        return due;
    }

    [Fact]
    public void A_2am_New_York_schedule_stays_at_2am_local_across_both_daylight_saving_changes()
    {
        var schedule = Schedule("0 2 * * *");

        // 2027: clocks spring forward on 14 March (02:00 EST → 03:00 EDT) and fall back on 7 November (02:00 EDT → 01:00 EST).
        var spring = DueTimes(schedule, Utc(3, 12, 12), Utc(3, 16, 12));
        var fall = DueTimes(schedule, Utc(11, 5, 12), Utc(11, 9, 12));

        Assert.Equal([Utc(3, 13, 7), Utc(3, 14, 7), Utc(3, 15, 6), Utc(3, 16, 6)], spring);
        Assert.Equal([Utc(11, 6, 6), Utc(11, 7, 7), Utc(11, 8, 7), Utc(11, 9, 7)], fall);
        Assert.All(fall, d => Assert.Equal(2, TimeZoneInfo.ConvertTime(d, NewYork).Hour));
        // 02:00 does not exist on 14 March: that day's run is at the first instant after the gap, 03:00 EDT.
        Assert.Equal([2, 3, 2, 2], spring.Select(d => TimeZoneInfo.ConvertTime(d, NewYork).Hour));
    }

    [Fact]
    public void A_time_skipped_by_spring_forward_fires_once_just_after_the_gap()
    {
        Assert.Equal([Utc(3, 14, 7)], DueTimes(Schedule("30 2 * * *"), Utc(3, 14, 4), Utc(3, 14, 12)));
    }

    [Fact]
    public void A_time_repeated_by_fall_back_fires_once_at_its_first_occurrence()
    {
        // 01:30 happens twice on 7 November 2027: 01:30 EDT (05:30 UTC) and 01:30 EST (06:30 UTC).
        Assert.Equal([Utc(11, 7, 5, 30)], DueTimes(Schedule("30 1 * * *"), Utc(11, 7, 3), Utc(11, 7, 12)));
    }

    [Fact]
    public void Without_a_time_zone_the_schedule_is_read_in_UTC()
    {
        var schedule = DistrictSchedule.From(new SyncSettings { Schedule = "0 2 * * *" })!;
        Assert.Equal(Utc(7, 1, 2), schedule.DueBetween(Utc(7, 1, 1, 59), Utc(7, 1, 2, 1)));
    }

    [Fact]
    public void Due_times_are_answered_in_UTC_whatever_the_zone_so_PostgreSQL_stores_them()
    {
        Assert.Equal(TimeSpan.Zero, Schedule("0 2 * * *").DueBetween(Utc(7, 1, 5, 59), Utc(7, 1, 6, 1))!.Value.Offset);
        Assert.Equal(TimeSpan.Zero, Schedule("0 2 * * *").NextAfter(Utc(7, 1, 7))!.Value.Offset);
    }

    [Fact]
    public void A_pause_holds_whole_days_at_both_ends_in_the_schedule_time_zone()
    {
        var summer = new SchedulePause(new DateOnly(2027, 6, 10), new DateOnly(2027, 8, 20));
        var schedule = Schedule("0 2 * * *", pauses: summer);

        // 02:00 EDT is 06:00 UTC.
        Assert.Equal(Utc(6, 9, 6), schedule.DueBetween(Utc(6, 9, 5, 59), Utc(6, 9, 6, 1)));
        Assert.Null(schedule.DueBetween(Utc(6, 10, 5, 59), Utc(6, 10, 6, 1)));
        Assert.Null(schedule.DueBetween(Utc(8, 20, 5, 59), Utc(8, 20, 6, 1)));
        Assert.Equal(Utc(8, 21, 6), schedule.DueBetween(Utc(8, 21, 5, 59), Utc(8, 21, 6, 1)));

        // 9 June 22:00 in New York is already 10 June in UTC: the pause's days are the schedule's days.
        var lateEvening = Schedule("0 22 * * *", pauses: summer);
        Assert.Equal(Utc(6, 10, 2), lateEvening.DueBetween(Utc(6, 10, 1, 59), Utc(6, 10, 2, 1)));
        Assert.Null(Schedule("0 22 * * *", "UTC", summer).DueBetween(Utc(6, 10, 21, 59), Utc(6, 10, 22, 1)));
    }

    [Fact]
    public void A_transient_failure_is_retried_after_5_15_and_45_minutes_and_then_no_more()
    {
        var schedule = Schedule("0 2 * * *", "UTC");
        var due = Utc(7, 1, 2);
        var failedAt = Utc(7, 1, 2, 10);
        var delay = TimeSpan.FromMinutes(5);

        Assert.Equal(failedAt.AddMinutes(5), schedule.RetryAt(due, 1, failedAt, 3, delay));
        Assert.Equal(failedAt.AddMinutes(15), schedule.RetryAt(due, 2, failedAt, 3, delay));
        Assert.Equal(failedAt.AddMinutes(45), schedule.RetryAt(due, 3, failedAt, 3, delay));
        Assert.Null(schedule.RetryAt(due, 4, failedAt, 3, delay));
        Assert.Null(schedule.RetryAt(due, 1, failedAt, 0, delay));
    }

    [Fact]
    public void A_retry_that_would_not_come_before_the_next_due_time_is_left_to_that_due_time()
    {
        var hourly = Schedule("0 * * * *", "UTC");
        Assert.Equal(Utc(7, 1, 2, 55), hourly.RetryAt(Utc(7, 1, 2), 1, Utc(7, 1, 2, 50), 3, TimeSpan.FromMinutes(5)));
        Assert.Null(hourly.RetryAt(Utc(7, 1, 2), 1, Utc(7, 1, 2, 56), 3, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void A_retry_that_would_fall_in_a_pause_is_not_made()
    {
        var schedule = Schedule("0 23 * * *", "UTC", new SchedulePause(new DateOnly(2027, 7, 2), new DateOnly(2027, 7, 9)));
        Assert.Null(schedule.RetryAt(Utc(7, 1, 23), 1, Utc(7, 1, 23, 58), 3, TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.BadGateway, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    [InlineData(HttpStatusCode.Forbidden, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    public void A_source_error_status_is_transient_only_for_timeouts_rate_limits_and_5xx(HttpStatusCode status, bool transient)
    {
        Assert.Equal(transient, TransientFailures.IsTransient(new SourceReadException("failed") { Status = status }));
    }

    [Fact]
    public void Network_errors_and_timeouts_are_transient_and_a_corrupt_file_or_rejected_login_is_not()
    {
        Assert.True(TransientFailures.IsTransient(new SourceReadException("unreachable", new HttpRequestException("refused"))));
        Assert.True(TransientFailures.IsTransient(new SourceReadException("budget", new SourceReadException("slow", new TimeoutException()))));
        Assert.True(TransientFailures.IsTransient(new SourceReadException("sftp", new System.Net.Sockets.SocketException(111))));
        Assert.False(TransientFailures.IsTransient(new SourceReadException("users.csv row 3 is not CSV") { File = "users.csv", Row = 3 }));
        Assert.False(TransientFailures.IsTransient(new SourceReadException("login", new Renci.SshNet.Common.SshAuthenticationException("denied"))));
    }
}

/// <summary>SPEC §5 against a real database: each due time queued once across Worker hosts, R25, retries after transient failures.</summary>
public class ScheduleTests(WorkerFixture worker) : IClassFixture<WorkerFixture>
{
    private static readonly DateTimeOffset Due = new(2026, 11, 23, 2, 0, 0, TimeSpan.Zero);

    private async Task<Guid> DistrictWithScheduleAsync(string cron, string zone = "UTC", params SchedulePause[] pauses)
    {
        var district = await worker.CreateDistrictAsync();
        await using var db = worker.Database.CreateDbContext();
        db.SyncSettings.Add(new SyncSettingsRow
        {
            DistrictId = district, UpdatedAt = DateTimeOffset.UtcNow,
            Settings = SyncSettings.Default with
            {
                Schedule = cron, ScheduleTimeZone = zone, Pauses = pauses,
                Source = new SourceSettings { Kind = SourceKinds.Clever, BaseUrl = "http://127.0.0.1:9" },
            },
        });
        await db.SaveChangesAsync();
        return district;
    }

    private ScheduleService Service => worker.Host.Services.GetRequiredService<ScheduleService>();

    private Task<long> ScheduledRunsAsync(Guid district) =>
        worker.ScalarAsync("SELECT count(*) FROM sync_runs WHERE district_id = $1 AND trigger = 'schedule'", district);

    /// <summary>Another Worker host (its own services and connection pool) over the same database.</summary>
    private IHost SecondWorker()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:Roster", worker.Database.ConnectionString), .. worker.Broker.Settings]);
        builder.AddWorkerServices();
        return builder.Build();
    }

    [Fact]
    public async Task Two_worker_hosts_evaluating_the_same_due_time_queue_one_run()
    {
        var district = await DistrictWithScheduleAsync("0 2 * * *");
        using var second = SecondWorker();
        var other = second.Services.GetRequiredService<ScheduleService>();

        // The hosts' timers tick at different moments: their windows differ but both hold 02:00.
        await Task.WhenAll(Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            Service.QueueDueRunsAsync(Due.AddSeconds(-50 + i), Due.AddSeconds(-20 + i), CancellationToken.None),
            Service.QueueDueRunsAsync(Due.AddSeconds(-20 + i), Due.AddSeconds(10 + i), CancellationToken.None),
            other.QueueDueRunsAsync(Due.AddSeconds(-5 - i), Due.AddSeconds(25 - i), CancellationToken.None),
        }));

        Assert.Equal(1, await ScheduledRunsAsync(district));
        Assert.Equal(1, await worker.ScalarAsync("SELECT count(*) FROM schedule_fires WHERE district_id = $1 AND due_at = $2 AND run_id IS NOT NULL", district, Due));
    }

    [Fact]
    public async Task A_schedule_that_has_not_fired_queues_nothing()
    {
        var district = await DistrictWithScheduleAsync("0 2 * * *");

        await Service.QueueDueRunsAsync(Due.AddHours(1), Due.AddHours(1).AddMinutes(30), CancellationToken.None);

        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM sync_runs WHERE district_id = $1", district));
    }

    [Fact]
    public async Task Due_times_are_read_in_the_schedule_time_zone()
    {
        // 2 a.m. in New York on 23 November 2026 (EST) is 07:00 UTC.
        var district = await DistrictWithScheduleAsync("0 2 * * *", "America/New_York");

        await Service.QueueDueRunsAsync(Due.AddMinutes(-1), Due.AddMinutes(1), CancellationToken.None);
        Assert.Equal(0, await ScheduledRunsAsync(district));

        await Service.QueueDueRunsAsync(Due.AddHours(5).AddMinutes(-1), Due.AddHours(5).AddMinutes(1), CancellationToken.None);
        Assert.Equal(1, await ScheduledRunsAsync(district));
    }

    [Fact]
    public async Task A_due_time_in_a_pause_queues_nothing()
    {
        var district = await DistrictWithScheduleAsync("0 2 * * *", "UTC", new SchedulePause(new DateOnly(2026, 11, 20), new DateOnly(2026, 11, 23)));

        await Service.QueueDueRunsAsync(Due.AddMinutes(-1), Due.AddMinutes(1), CancellationToken.None);
        Assert.Equal(0, await ScheduledRunsAsync(district));

        await Service.QueueDueRunsAsync(Due.AddDays(1).AddMinutes(-1), Due.AddDays(1).AddMinutes(1), CancellationToken.None);
        Assert.Equal(1, await ScheduledRunsAsync(district));
    }

    [Fact]
    public async Task R25_a_schedule_firing_while_a_run_is_open_queues_no_second_run()
    {
        var district = await DistrictWithScheduleAsync("*/5 * * * *");
        var open = await worker.QueueUploadRunAsync(district, [1, 2, 3]);
        await worker.ScalarAsync("UPDATE sync_runs SET status = 'awaiting-approval' WHERE id = $1 RETURNING 1", open);
        var from = new DateTimeOffset(2026, 11, 23, 3, 59, 0, TimeSpan.Zero);

        await Service.QueueDueRunsAsync(from, from.AddMinutes(2), CancellationToken.None);

        Assert.Equal(0, await ScheduledRunsAsync(district));
    }

    /// <summary>Marks the run as the runner leaves a failed run; the Worker may have run it meanwhile, this is what counts.</summary>
    private async Task FailAsync(Guid runId, DateTimeOffset finishedAt, bool retryable) => await worker.ScalarAsync(
        "UPDATE sync_runs SET status = 'failed', retryable = $2, finished_at = $3, error = 'test' WHERE id = $1 RETURNING 1", runId, retryable, finishedAt);

    private async Task<Guid> RunOfAttemptAsync(Guid district, int attempt) => Guid.Parse((await worker.TextAsync(
        "SELECT run_id::text FROM schedule_fires WHERE district_id = $1 AND due_at = $2 AND attempt = $3", district, Due, attempt))!);

    private async Task QueueAtAsync(DateTimeOffset now) => await Service.QueueDueRunsAsync(now.AddSeconds(-30), now, CancellationToken.None);

    [Fact]
    public async Task A_scheduled_run_that_failed_transiently_is_retried_once_per_backoff_step_until_the_retries_run_out()
    {
        var district = await DistrictWithScheduleAsync("0 2 * * *");
        await QueueAtAsync(Due.AddSeconds(10));
        var failedAt = Due.AddMinutes(1);
        await FailAsync(await RunOfAttemptAsync(district, 1), failedAt, retryable: true);

        await QueueAtAsync(failedAt.AddMinutes(4));
        Assert.Equal(1, await ScheduledRunsAsync(district));
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => QueueAtAsync(failedAt.AddMinutes(5))));
        Assert.Equal(2, await ScheduledRunsAsync(district));

        failedAt = failedAt.AddMinutes(6);
        await FailAsync(await RunOfAttemptAsync(district, 2), failedAt, retryable: true);
        await QueueAtAsync(failedAt.AddMinutes(14));
        Assert.Equal(2, await ScheduledRunsAsync(district));
        await QueueAtAsync(failedAt.AddMinutes(15));
        Assert.Equal(3, await ScheduledRunsAsync(district));

        failedAt = failedAt.AddMinutes(16);
        await FailAsync(await RunOfAttemptAsync(district, 3), failedAt, retryable: true);
        await QueueAtAsync(failedAt.AddMinutes(45));
        Assert.Equal(4, await ScheduledRunsAsync(district));

        failedAt = failedAt.AddMinutes(46);
        await FailAsync(await RunOfAttemptAsync(district, 4), failedAt, retryable: true);
        await QueueAtAsync(failedAt.AddHours(5));
        Assert.Equal(4, await ScheduledRunsAsync(district));
    }

    [Fact]
    public async Task A_scheduled_run_that_failed_permanently_is_not_retried()
    {
        var district = await DistrictWithScheduleAsync("0 2 * * *");
        await QueueAtAsync(Due.AddSeconds(10));
        await FailAsync(await RunOfAttemptAsync(district, 1), Due.AddMinutes(1), retryable: false);

        await QueueAtAsync(Due.AddHours(3));

        Assert.Equal(1, await ScheduledRunsAsync(district));
    }
}

/// <summary>The runner records whether a failed read is worth retrying, from the real source failure.</summary>
public class ScheduledRunFailureTests(SourceWorkerFixture worker, FakeCleverServer clever) : IClassFixture<SourceWorkerFixture>, IClassFixture<FakeCleverServer>
{
    private async Task<SyncRun> FailingRunAsync(int status)
    {
        var tenant = clever.AddDistrict();
        CleverData.Lincoln(tenant);
        tenant.Faults = _ => Fault.Error(status);
        var district = await worker.CreateDistrictAsync();
        await worker.ConfigureAsync(district,
            SourceWorkerFixture.Settings(new SourceSettings { Kind = SourceKinds.Clever, BaseUrl = clever.Address.ToString() }),
            new Dictionary<string, string> { ["token"] = tenant.Token });
        return await worker.SyncAsync(district, SourceKinds.Clever);
    }

    [Fact]
    public async Task A_run_failed_by_a_5xx_source_is_marked_retryable()
    {
        var run = await FailingRunAsync(503);
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.True(run.Retryable);
    }

    [Fact]
    public async Task A_run_failed_by_a_rejected_token_is_not_retryable()
    {
        var run = await FailingRunAsync(401);
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.False(run.Retryable);
    }
}
