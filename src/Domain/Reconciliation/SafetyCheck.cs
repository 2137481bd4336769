using RosterSync.Domain.Model;

namespace RosterSync.Domain.Reconciliation;

/// <summary>
/// R21: a plan that archives, removes or ends more than safetyThresholdPercent of a kind's active synced
/// records, and more than safetyThresholdMinimum of them, stops for approval. Each kind counts on its own.
/// </summary>
public static class SafetyCheck
{
    public static void Evaluate(Plan plan, RosterState current, SyncSettings settings)
    {
        var activeSynced = (current.ActiveSynced ?? ActiveSyncedRecords.Of(current)).ByEntity();
        // Distinct records archived, removed or ended, per kind (read from the change list's columns).
        var lost = new Dictionary<string, HashSet<Guid?>>();
        var changes = plan.Changes;
        for (var i = 0; i < changes.Count; i++)
        {
            var entity = changes.Entity(i);
            if (changes.Action(i) is ChangeActions.Archived or ChangeActions.Removed && activeSynced.ContainsKey(entity))
                (lost.TryGetValue(entity, out var ids) ? ids : lost[entity] = []).Add(changes.RecordId(i));
        }
        var losses = lost.Select(l => (Entity: l.Key, Count: l.Value.Count));

        var reasons = losses
            .Where(l => Exceeds(l.Count, activeSynced[l.Entity], settings))
            .Select(l => $"{l.Count} of {activeSynced[l.Entity]} active {l.Entity} records")
            .ToList();
        if (reasons.Count > 0)
            plan.SafetyStop = $"The plan would archive, remove or end {string.Join("; ", reasons)}, over the safety threshold of "
                + $"{settings.SafetyThresholdPercent}% (and more than {settings.SafetyThresholdMinimum}). Approve the run to apply it.";
    }

    public static bool Exceeds(int count, int active, SyncSettings settings) =>
        count > settings.SafetyThresholdMinimum && count * 100.0 > settings.SafetyThresholdPercent * (double)Math.Max(active, 1);
}
