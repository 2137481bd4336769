using RosterSync.Domain.Model;

namespace RosterSync.Domain.Reconciliation;

/// <summary>One row of a run's change list (SPEC §8 "change"), with the rule that decided it.</summary>
public sealed record Change(
    string Entity, Guid? RecordId, string? SourceId, string Action, string? Field, string? Before, string? After, string? Rule);

/// <summary>A problem the run reports (SPEC §8 "issue").</summary>
public sealed record PlanIssue(
    string Severity, string? Rule, string? Entity, string? SourceId, string Message, string? File = null, int? Row = null);

/// <summary>A record absent from the source that a rule kept as it was (counted unchanged; SPEC R14: none is silently left).</summary>
public sealed record KeptRecord(string Entity, Guid RecordId, string Rule);

/// <summary>
/// The planner's output (R20): the final state of every record the run writes, plus the change list
/// and issues. The applier writes exactly these rows, so the plan is what gets applied. The large lists
/// (links, changes) are stored column by column; see PlanLists.cs.
/// </summary>
public sealed class Plan
{
    public PlanRecords<PersonRecord> People { get; } = [];
    public PlanRecords<SchoolRecord> Schools { get; } = [];
    public PlanRecords<ClassRecord> Classes { get; } = [];
    public PlanRecords<SessionRecord> Sessions { get; } = [];
    public PlanRecords<CourseRecord> Courses { get; } = [];
    public LinkList Memberships { get; internal set; } = [];
    public LinkList Enrollments { get; internal set; } = [];
    public LinkList GuardianLinks { get; internal set; } = [];
    public ChangeList Changes { get; } = [];
    public List<PlanIssue> Issues { get; } = [];
    /// <summary>Absent records kept as they were, each with the rule that kept it; each is also counted unchanged.</summary>
    public List<KeptRecord> Kept { get; } = [];
    public RunCounts Counts { get; } = new();
    /// <summary>
    /// Issue 12: the fingerprint each person the plan writes is stored with (SourceFingerprints); a person left out is written
    /// without one, so the next sync plans it. Set by the sync after planning; null for reverts.
    /// </summary>
    public IReadOnlyDictionary<Guid, long>? Fingerprints { get; set; }

    public long? FingerprintOf(Guid personId) => Fingerprints is not null && Fingerprints.TryGetValue(personId, out var print) ? print : null;
    /// <summary>Set by R21 when the plan removes too much: the run waits for approval.</summary>
    public string? SafetyStop { get; set; }

    public bool HasWrites => People.Count + Schools.Count + Classes.Count + Sessions.Count + Courses.Count
        + Memberships.Count + Enrollments.Count + GuardianLinks.Count > 0;

    internal void Record(Change change)
    {
        Changes.Add(change);
        Counts.For(change.Entity).Add(change.Action);
    }

    internal void Count(string entity, string action) => Counts.For(entity).Add(action);
}
