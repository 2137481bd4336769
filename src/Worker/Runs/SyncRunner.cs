using System.Diagnostics;
using System.Runtime;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.Worker.Sources;

namespace RosterSync.Worker.Runs;

/// <summary>
/// Executes a claimed run: read the source completely (R22), plan (R20), stop for a dry run or for
/// approval (R21), then apply the plan in one transaction (R23). Every outcome is written on the run.
/// The district's current state is loaded while the source is read (the database works on another core),
/// and each phase's time, counts and memory are logged (ids and counts only) for docs/benchmarks.md.
/// </summary>
public sealed class SyncRunner(
    NpgsqlDataSource dataSource, RunStatusStore store, WorkerIdentity worker, IEnumerable<ISourceReader> readers,
    IOptions<RunProgressOptions> progressOptions, IOptions<RunLeaseOptions> leaseOptions, TimeProvider clock, ILogger<SyncRunner> logger)
{
    /// <summary>
    /// Runs a claimed run to its end. <paramref name="stopping"/> is the Worker stopping: the run goes back to the queue. While it
    /// works the Worker renews its lease (R29); once the lease is lost the run stops and writes nothing (the new holder runs it).
    /// </summary>
    public async Task RunAsync(ClaimedRun claimed, CancellationToken stopping)
    {
        logger.LogInformation("Run {RunId} of district {DistrictId} started ({Trigger}, dry run {DryRun}) by {Worker}",
            claimed.Id, claimed.DistrictId, claimed.Trigger, claimed.DryRun, worker.Name);
        await using var lease = new RunLease(store, claimed.Id, worker.Name, leaseOptions.Value, logger);
        using var stopOrLost = CancellationTokenSource.CreateLinkedTokenSource(stopping, lease.Lost);
        var ct = stopOrLost.Token;
        var run = new HeldRun(claimed, lease);
        await using var progress = new RunProgress(store, run.Id, run.Owner, progressOptions.Value.ProgressInterval);
        try
        {
            var plan = run.RevertsRunId is { } reverted
                ? await PlanRevertAsync(run, reverted, progress, ct)
                : await PlanSyncAsync(run, progress, ct);

            if (run.DryRun || (plan.SafetyStop is not null && !run.Approved))
            {
                await StopBeforeApplyAsync(run, plan, ct);
                return;
            }
            await progress.EnterAsync(RunPhases.Applying, PlanApplier.RowsToWrite(plan), ct);
            var watch = Stopwatch.StartNew();
            var written = await ApplyAsync(run, plan, progress, ct);
            logger.LogInformation("Run {RunId} timings: apply {ApplyMs} ms ({Rows} rows written); managed heap {HeapMb} MB, peak working set {PeakMb} MB",
                run.Id, watch.ElapsedMilliseconds, written, GC.GetTotalMemory(false) >> 20, PeakWorkingSetMb());
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The Worker is stopping: hand the run back to the queue so another replica picks it up.
            if (await store.RequeueAsync(run.Id, run.Owner, CancellationToken.None))
                logger.LogInformation("Run {RunId} handed back to the queue at shutdown", run.Id);
        }
        catch (Exception e) when (lease.IsLost)
        {
            logger.LogWarning("Run {RunId} stopped by {Worker} after its lease was lost ({Error}); nothing applied by this Worker",
                run.Id, run.Owner, e.GetType().Name);
        }
        catch (SourceReadException e)
        {
            await FailAsync(run, e.Message, new PlanIssue(Severities.Error, "R22", null, null, e.Message, e.File, e.Row), stopping);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Run {RunId} failed", run.Id);
            await FailAsync(run, $"The run failed unexpectedly ({e.GetType().Name}); nothing was applied.", null, stopping);
        }
        finally
        {
            // A large run leaves a large heap of garbage behind (its snapshot, state and plan); handing it back to
            // the operating system now means the next run does not start on top of it.
            CompactHeap(GCCollectionMode.Aggressive);
        }
    }

    /// <summary>
    /// A blocking, compacting collection of every generation, the large object heap included, once the heap is
    /// large (a big district's run); small runs leave it to the GC.
    /// </summary>
    private static void CompactHeap(GCCollectionMode mode)
    {
        if (GC.GetTotalMemory(false) < 256L << 20) return;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, mode, blocking: true, compacting: true);
    }

    private async Task<Plan> PlanSyncAsync(HeldRun run, RunProgress progress, CancellationToken ct)
    {
        var settings = await LoadSettingsAsync(run.DistrictId, ct);
        var watch = Stopwatch.StartNew();
        // The current state is loaded while the source is read: both are needed, neither depends on the other,
        // and the database does much of the loading on the other core. A failed read cancels the load. Both read
        // through one string pool, so the ids and emails they share are held once; it closes before planning.
        SharedStrings.Begin();
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var loading = Task.Run(() => LoadStateAsync(run.DistrictId, stopLoad.Token), stopLoad.Token);
        Snapshot snapshot;
        try
        {
            snapshot = await ReadAsync(run, progress, ct);
        }
        catch
        {
            await stopLoad.CancelAsync();
            try { await loading; } catch (Exception e) when (e is OperationCanceledException or NpgsqlException) { }
            throw;
        }
        var readMs = watch.ElapsedMilliseconds;
        await progress.EnterAsync(RunPhases.Planning, snapshot.People.Count + snapshot.Classes.Count + snapshot.Enrollments.Count, ct);
        var (state, loadMs) = await loading;
        SharedStrings.End();
        var waitedMs = watch.ElapsedMilliseconds - readMs;
        // Reading and loading leave garbage behind (the pool's index, parsers' buffers, duplicate-id tables); planning
        // is the run's memory peak, so it starts on a compacted heap.
        watch.Restart();
        var peakBeforeGcMb = PeakWorkingSetMb();
        CompactHeap(GCCollectionMode.Forced);
        var (gcMs, liveMb) = (watch.ElapsedMilliseconds, GC.GetTotalMemory(false) >> 20);
        watch.Restart();
        var plan = Planner.Plan(snapshot, state, settings, progress);
        logger.LogInformation(
            "Run {RunId} timings: read {ReadMs} ms ({People} people, {Classes} classes, {Enrollments} enrollments, {SourceIssues} issues); "
            + "state {StateMs} ms in parallel ({StatePeople} people, {StateLinks} links; waited {WaitedMs} ms after the read; peak working set {ReadPeakMb} MB); "
            + "gc {GcMs} ms ({LiveMb} MB live); "
            + "plan {PlanMs} ms ({Changes} changes, {Issues} issues); managed heap {HeapMb} MB, peak working set {PeakMb} MB",
            run.Id, readMs, snapshot.People.Count, snapshot.Classes.Count, snapshot.Enrollments.Count, snapshot.Issues.Count,
            loadMs, state.People.Count, state.Memberships.Count + state.Enrollments.Count + state.GuardianLinks.Count, waitedMs, peakBeforeGcMb,
            gcMs, liveMb,
            watch.ElapsedMilliseconds, plan.Changes.Count, plan.Issues.Count, GC.GetTotalMemory(false) >> 20, PeakWorkingSetMb());
        return plan;
    }

    private async Task<(RosterState State, long Ms)> LoadStateAsync(Guid districtId, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var state = await RosterStateLoader.LoadAsync(connection, districtId, ct);
        return (state, watch.ElapsedMilliseconds);
    }

    private static long PeakWorkingSetMb()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 >> 20;
    }

    /// <summary>R24: the reverted run's recorded changes are the input; there is no source to read.</summary>
    private async Task<Plan> PlanRevertAsync(HeldRun run, Guid revertedRunId, RunProgress progress, CancellationToken ct)
    {
        await progress.EnterAsync(RunPhases.Planning, 0, ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var changes = new List<Change>();
        await using (var command = new NpgsqlCommand(
            "SELECT entity, record_id, source_id, action, field, before, after, rule FROM run_changes WHERE run_id = $1 AND district_id = $2 ORDER BY id",
            connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = revertedRunId });
            command.Parameters.Add(new NpgsqlParameter { Value = run.DistrictId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                changes.Add(new Change(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), Text(reader, 2), reader.GetString(3),
                    Text(reader, 4), Text(reader, 5), Text(reader, 6), Text(reader, 7)));
        }
        var state = await RosterStateLoader.LoadAsync(connection, run.DistrictId, ct);
        return RevertPlanner.Plan(changes, state);
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private async Task<Snapshot> ReadAsync(HeldRun run, RunProgress progress, CancellationToken ct)
    {
        var reader = readers.FirstOrDefault(r => r.CanRead(run.Claimed))
            ?? throw new SourceReadException($"Source kind '{run.SourceKind}' cannot be read by this Worker.");
        return await reader.ReadAsync(run.Claimed, progress, ct);
    }

    private async Task<SyncSettings> LoadSettingsAsync(Guid districtId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT settings FROM sync_settings WHERE district_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        return await command.ExecuteScalarAsync(ct) is string json
            ? JsonSerializer.Deserialize<SyncSettings>(json, JsonSerializerOptions.Web) ?? SyncSettings.Default
            : SyncSettings.Default;
    }

    /// <summary>R20/R21: the plan is kept on the run and nothing else is written.</summary>
    private async Task StopBeforeApplyAsync(HeldRun run, Plan plan, CancellationToken ct)
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
    private async Task<long> ApplyAsync(HeldRun run, Plan plan, IProgress<long> progress, CancellationToken ct)
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
        var written = new ApplyProgress(progress);
        await PlanApplier.ApplyAsync(connection, run.DistrictId, run.Id, plan, clock.GetUtcNow(), written, ct);
        await ReplacePlanAsync(connection, run, plan, written, ct);
        if (!await FinishAsync(connection, run, RunStatus.Succeeded, plan, null, ct))
        {
            await tx.RollbackAsync(ct);
            logger.LogInformation("Run {RunId} was cancelled or taken over while applying; nothing applied by this Worker", run.Id);
            return 0;
        }
        await tx.CommitAsync(ct);
        logger.LogInformation("Run {RunId} applied {Changes} changes with {Issues} issues", run.Id, plan.Changes.Count, plan.Issues.Count);
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
    private async Task FailAsync(HeldRun run, string error, PlanIssue? issue, CancellationToken stopping)
    {
        logger.LogWarning("Run {RunId} failed; nothing was applied", run.Id);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (!await WriteFailureAsync(run, error, issue))
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

    private async Task<bool> WriteFailureAsync(HeldRun run, string error, PlanIssue? issue)
    {
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await using var tx = await connection.BeginTransactionAsync(CancellationToken.None);
        if (!await RunStatusStore.StillHeldAsync(connection, run.Id, run.Owner, lockRow: true, CancellationToken.None)) return false;
        if (issue is not null) await PlanApplier.RecordIssuesAsync(connection, run.DistrictId, run.Id, [issue], null, CancellationToken.None);
        await using (var count = new NpgsqlCommand("UPDATE sync_runs SET issue_count = (SELECT count(*) FROM run_issues WHERE run_id = $1) WHERE id = $1", connection))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = run.Id });
            await count.ExecuteNonQueryAsync(CancellationToken.None);
        }
        if (!await FinishAsync(connection, run, RunStatus.Failed, null, error, CancellationToken.None)) return false;
        await tx.CommitAsync(CancellationToken.None);
        return true;
    }
}

/// <summary>A run this Worker claimed, and the lease owner name every status write of it must match (R29).</summary>
internal sealed record HeldRun(ClaimedRun Claimed, RunLease Lease)
{
    public string Owner => Lease.Owner;
    public Guid Id => Claimed.Id;
    public Guid DistrictId => Claimed.DistrictId;
    public bool DryRun => Claimed.DryRun;
    public bool Approved => Claimed.Approved;
    public string SourceKind => Claimed.SourceKind;
    public Guid? RevertsRunId => Claimed.RevertsRunId;
}
