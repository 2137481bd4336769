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
        var activeSynced = new Dictionary<string, int>
        {
            [Entities.Person] = current.People.Count(p => p.Origin == Origins.Synced && p.Status == RecordStatus.Active),
            [Entities.Membership] = current.Memberships.Count(m => m.Origin == Origins.Synced && !m.Ended),
            [Entities.Class] = current.Classes.Count(c => c.Origin == Origins.Synced && c.Status == RecordStatus.Active),
            [Entities.Enrollment] = current.Enrollments.Count(e => e.Origin == Origins.Synced && !e.Ended),
            [Entities.GuardianLink] = current.GuardianLinks.Count(g => g.Origin == Origins.Synced && !g.Ended),
        };
        var losses = plan.Changes
            .Where(c => c.Action is ChangeActions.Archived or ChangeActions.Removed && activeSynced.ContainsKey(c.Entity))
            .GroupBy(c => c.Entity)
            .Select(g => (Entity: g.Key, Count: g.Select(c => c.RecordId).Distinct().Count()));

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
