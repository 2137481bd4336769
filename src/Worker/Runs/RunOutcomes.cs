using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Domain.Reconciliation;

namespace RosterSync.Worker.Runs;

/// <summary>
/// How a run ends, each in one transaction that also ends the run's status (RunStatusStore): stopped before applying (a dry run, or
/// awaiting approval), applied with its changes and the fingerprints the next re-sync compares (R23), or failed (R22, R29).
/// </summary>
public sealed class RunOutcomes(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<RunOutcomes> logger)
{
    /// <summary>R20/R21: the plan is kept on the run and nothing else is written.</summary>
    public async Task StopBeforeApplyAsync(HeldRun run, Plan plan, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!await RunStatusStore.StillHeldAsync(connection, run.Id, run.Owner, lockRow: true, ct)) return;
        if (plan.SafetyStop is not null && !run.DryRun)
            plan.Issues.Add(new(Severities.Warning, "R21", null, null, plan.SafetyStop));
        await ReplacePlanAsync(connection, run, plan, null, ct);
        var status = run.DryRun ? RunStatus.Succeeded : RunStatus.AwaitingApproval;
        if (!await FinishAsync(connection, run, status, plan, null, ct)) return;
        await tx.CommitAsync(ct);
        logger.LogInformation("Run {RunId} stopped before applying: {Status}", run.Id, status);
    }

    /// <summary>R23: the plan, its changes and the run's final state commit together or not at all. Returns the rows written.</summary>
    public async Task<long> ApplyAsync(HeldRun run, PlannedRun planned, IProgress<long> progress, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // The run row is not locked while applying: RunProgress writes the applying phase's progress to it from
        // another connection, and a cancel should not wait for a long apply. The final status update decides
        // instead: if a cancel got there first, it changes no row and the whole apply is rolled back (R23).
        if (!await RunStatusStore.StillHeldAsync(connection, run.Id, run.Owner, lockRow: false, ct))
        {
            logger.LogInformation("Run {RunId} was cancelled or taken over before applying; nothing applied by this Worker", run.Id);
            return 0;
        }
        var plan = planned.Plan;
        var written = new ApplyProgress(progress);
        var watch = Stopwatch.StartNew();
        var partitions = await PlanApplier.ApplyAsync(connection, run.DistrictId, run.Id, plan, clock.GetUtcNow(), written, ct);
        var recordsMs = watch.ElapsedMilliseconds;
        if (planned.Fingerprints is { } fingerprints)
            await FingerprintStore.WriteAsync(connection, run.DistrictId, run.Id, fingerprints, planned.Basis, ct);
        await ReplacePlanAsync(connection, run, plan, written, ct);
        var journalMs = watch.ElapsedMilliseconds - recordsMs;
        if (!await FinishAsync(connection, run, RunStatus.Succeeded, plan, null, ct))
        {
            await tx.RollbackAsync(ct);
            logger.LogInformation("Run {RunId} was cancelled or taken over while applying; nothing applied by this Worker", run.Id);
            return 0;
        }
        // Issue 12: a first import's link partitions go in last, so the parent tables are locked only for the commit.
        if (partitions.Count > 0)
            logger.LogInformation("Run {RunId}: {Swapped} of {Built} bulk-built link partitions swapped in",
                run.Id, await partitions.SwapInAsync(connection, ct), partitions.Count);
        var swapMs = watch.ElapsedMilliseconds - recordsMs - journalMs;
        await tx.CommitAsync(ct);
        logger.LogInformation("Run {RunId} applied {Changes} changes with {Issues} issues", run.Id, plan.Changes.Count, plan.Issues.Count);
        logger.LogInformation(
            "Run {RunId} apply timings: records {RecordsMs} ms, fingerprints and journal {JournalMs} ms, link partitions swapped in {SwapMs} ms, commit {CommitMs} ms",
            run.Id, recordsMs, journalMs, swapMs, watch.ElapsedMilliseconds - recordsMs - journalMs - swapMs);
        return written.Written;
    }

    /// <summary>An approved run is planned again; its earlier plan rows are replaced, not added to.</summary>
    private static async Task ReplacePlanAsync(NpgsqlConnection connection, HeldRun run, Plan plan, ApplyProgress? progress, CancellationToken ct)
    {
        foreach (var table in new[] { "run_changes", "run_issues" })
        {
            await using var clear = new NpgsqlCommand($"DELETE FROM {table} WHERE run_id = $1", connection) { CommandTimeout = 0 };
            clear.Parameters.Add(new NpgsqlParameter { Value = run.Id });
            await clear.ExecuteNonQueryAsync(ct);
        }
        await PlanApplier.RecordAsync(connection, run.DistrictId, run.Id, plan, progress, ct);
    }

    /// <summary>Ends the run this Worker holds, in the caller's transaction; false when it no longer holds it (cancelled, taken over).</summary>
    private static Task<bool> FinishAsync(NpgsqlConnection connection, HeldRun run, string status, Plan? plan, string? error, CancellationToken ct)
    {
        run.Lease.Finishing();
        return RunStatusStore.FinishAsync(connection, run.Id, run.Owner, status,
            plan is null ? null : JsonSerializer.Serialize(plan.Counts, JsonSerializerOptions.Web), plan?.Issues.Count, error, ct);
    }

    /// <summary>
    /// R22: a failed run applies nothing; it keeps the reason and, where known, the file and row. R29: when the database is unreachable
    /// the failure is written once it returns (retried with backoff until then, or until the Worker stops: the lease expires and
    /// another Worker takes the run over).
    /// </summary>
    /// <param name="retryable">A transient source error (TransientFailures): a scheduled run is retried (ScheduleService).</param>
    public async Task FailAsync(HeldRun run, string error, PlanIssue? issue, CancellationToken stopping, bool retryable = false)
    {
        logger.LogWarning("Run {RunId} failed; nothing was applied", run.Id);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (!await WriteFailureAsync(run, error, issue, retryable))
                    logger.LogInformation("Run {RunId}: failure not written, the run is no longer held by {Worker} (cancelled or taken over)", run.Id, run.Owner);
                else if (attempt > 1)
                    logger.LogInformation("Run {RunId}: failure written after {Attempts} attempts", run.Id, attempt);
                return;
            }
            catch (Exception e) when (e is NpgsqlException { IsTransient: true } or TimeoutException && !stopping.IsCancellationRequested)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(attempt, 5)) / 2));
                logger.LogWarning(e, "Run {RunId}: writing its failure failed (attempt {Attempt}); retrying in {Delay}", run.Id, attempt, delay);
                await Task.Delay(delay, clock, stopping);
            }
        }
    }

    private async Task<bool> WriteFailureAsync(HeldRun run, string error, PlanIssue? issue, bool retryable)
    {
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await using var tx = await connection.BeginTransactionAsync(CancellationToken.None);
        if (!await RunStatusStore.StillHeldAsync(connection, run.Id, run.Owner, lockRow: true, CancellationToken.None)) return false;
        if (issue is not null) await PlanApplier.RecordIssuesAsync(connection, run.DistrictId, run.Id, [issue], null, CancellationToken.None);
        run.Lease.Finishing();
        if (!await RunStatusStore.FailAsync(connection, run.Id, run.Owner, error, retryable, CancellationToken.None)) return false;
        await tx.CommitAsync(CancellationToken.None);
        return true;
    }
}
