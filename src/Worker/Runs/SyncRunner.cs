using System.Diagnostics;
using System.Runtime;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.Worker.Sources;

namespace RosterSync.Worker.Runs;

/// <summary>
/// Executes a claimed run: read the source completely (R22) and plan (R20) — <see cref="SyncPlanning"/> —, stop for a dry run or
/// for approval (R21), or apply the plan in one transaction (R23) — <see cref="RunOutcomes"/>. Every outcome is written on the run.
/// This class only orders the phases, holds the lease (R29) and decides what an exception means.
/// </summary>
public sealed class SyncRunner(
    NpgsqlDataSource dataSource, RunStatusStore store, SyncPlanning planning, RunOutcomes outcomes,
    IOptions<RunProgressOptions> progressOptions, IOptions<RunLeaseOptions> leaseOptions, ILogger<SyncRunner> logger)
{
    /// <summary>
    /// Runs a claimed run to its end. <paramref name="stopping"/> is the Worker stopping: the run goes back to the queue. While it
    /// works the Worker renews its lease (R29); once the lease is lost the run stops and writes nothing (the new holder runs it).
    /// </summary>
    public async Task RunAsync(ClaimedRun claimed, CancellationToken stopping)
    {
        logger.LogInformation("Run {RunId} of district {DistrictId} started ({Trigger}, dry run {DryRun}) by {Worker}",
            claimed.Id, claimed.DistrictId, claimed.Trigger, claimed.DryRun, claimed.Owner);
        await using var lease = new RunLease(store, claimed.Id, claimed.Owner, leaseOptions.Value, logger);
        using var stopOrLost = CancellationTokenSource.CreateLinkedTokenSource(stopping, lease.Lost);
        var ct = stopOrLost.Token;
        var run = new HeldRun(claimed, lease);
        await using var progress = new RunProgress(store, run.Id, run.Owner, progressOptions.Value.ProgressInterval);
        await using var measured = RunMetrics.Measure(dataSource, claimed);
        try
        {
            var planned = await planning.PlanAsync(run, progress, ct);
            var plan = planned.Plan;
            if (run.DryRun || (plan.SafetyStop is not null && !run.Approved))
            {
                await outcomes.StopBeforeApplyAsync(run, plan, ct);
                return;
            }
            await progress.EnterAsync(RunPhases.Applying, PlanApplier.RowsToWrite(plan), ct);
            var watch = Stopwatch.StartNew();
            var written = await outcomes.ApplyAsync(run, planned, progress, ct);
            logger.LogInformation("Run {RunId} timings: apply {ApplyMs} ms ({Rows} rows written); managed heap {HeapMb} MB, peak working set {PeakMb} MB",
                run.Id, watch.ElapsedMilliseconds, written, GC.GetTotalMemory(false) >> 20, RunMemory.PeakWorkingSetMb());
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
            await outcomes.FailAsync(run, e.Message, new PlanIssue(Severities.Error, "R22", null, null, e.Message, e.File, e.Row), stopping,
                TransientFailures.IsTransient(e));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            // Issue 12: swapping a first import's link partitions in waited longer than LinkPartitionBuild.LockTimeout for the
            // district's partition (an Api write of the district). The apply rolled back whole (R23); the run can simply run again.
            logger.LogWarning("Run {RunId} failed: a table lock was not had in time ({Message})", run.Id, e.MessageText);
            await outcomes.FailAsync(run, "The run could not lock the roster tables in time; nothing was applied. Run it again.", null, stopping,
                retryable: true);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Run {RunId} failed", run.Id);
            await outcomes.FailAsync(run, $"The run failed unexpectedly ({e.GetType().Name}); nothing was applied.", null, stopping);
        }
        finally
        {
            // A large run leaves a large heap of garbage behind (its snapshot, state and plan); handing it back to
            // the operating system now means the next run does not start on top of it.
            RunMemory.CompactHeap(GCCollectionMode.Aggressive);
        }
    }
}

/// <summary>The Worker's memory around a large run.</summary>
internal static class RunMemory
{
    /// <summary>
    /// A blocking, compacting collection of every generation, the large object heap included, once the heap is
    /// large (a big district's run); small runs leave it to the GC.
    /// </summary>
    public static void CompactHeap(GCCollectionMode mode)
    {
        if (GC.GetTotalMemory(false) < 256L << 20) return;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, mode, blocking: true, compacting: true);
    }

    public static long PeakWorkingSetMb()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 >> 20;
    }
}

/// <summary>A run this Worker claimed, and the lease owner name every status write of it must match (R29).</summary>
public sealed record HeldRun(ClaimedRun Claimed, RunLease Lease)
{
    public string Owner => Lease.Owner;
    public Guid Id => Claimed.Id;
    public Guid DistrictId => Claimed.DistrictId;
    public bool DryRun => Claimed.DryRun;
    public bool Approved => Claimed.Approved;
    public string SourceKind => Claimed.SourceKind;
    public Guid? RevertsRunId => Claimed.RevertsRunId;
}
