using Microsoft.Extensions.Options;
using RosterSync.Domain.Model;

namespace RosterSync.Worker.Runs;

/// <summary>
/// Claims a run for this Worker: a queued run, or a running run whose holder's lease expired (R29). One statement, so
/// exactly one claimer wins; a duplicate or redelivered message for a run a live Worker holds does nothing (R25).
/// </summary>
public sealed class RunClaimer(RunStatusStore store, WorkerIdentity worker, IOptions<RunLeaseOptions> options, ILogger<RunClaimer> logger)
{
    public async Task<ClaimedRun?> TryClaimAsync(Guid runId, CancellationToken ct)
    {
        var lease = options.Value;
        // The owner names this claim, not only this Worker: if the Worker takes over its own expired run, the earlier
        // attempt (a failure write still retrying, say) no longer matches and changes nothing.
        if (await store.TryClaimAsync(runId, worker.NewClaim(), lease.LeaseDuration, lease.MaxTakeovers, ct) is not { } run)
        {
            logger.LogInformation("Run {RunId} is not claimable (held by a live Worker, finished or unknown); message ignored", runId);
            return null;
        }
        if (run.Takeovers > 0)
            logger.LogWarning("Run {RunId} taken over by {Worker} (takeover {Takeovers} of at most {MaxTakeovers}): its lease had expired; starting it again",
                runId, run.Owner, run.Takeovers, lease.MaxTakeovers);
        return run;
    }
}
