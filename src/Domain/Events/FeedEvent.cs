using RosterSync.Domain.Model;

namespace RosterSync.Domain.Events;

/// <summary>
/// One event of a district's feed (SPEC §9), as the Api lists it and webhooks deliver it. <see cref="Id"/> is also a cursor:
/// <c>?after=</c> an event's id lists the events after it.
/// </summary>
/// <param name="Changes">The record's changed fields, before and after, each with the rule that decided it; empty for run events.</param>
/// <param name="Rule">The rule that decided the change (the first field's); null for an Api edit without one.</param>
/// <param name="RunId">The run that made the change, or whose outcome this is.</param>
/// <param name="ApiKeyId">The district key of an Api edit; null for a run's change and for the operator key.</param>
public sealed record FeedEvent(
    string Id, long Sequence, string Type, DateTimeOffset OccurredAt, string? Entity, Guid? RecordId, string? SourceId,
    IReadOnlyList<FieldChange> Changes, string? Rule, Guid? RunId, Guid? ApiKeyId, RunOutcome? Run);

public sealed record FieldChange(string? Field, string? Before, string? After, string? Rule);

/// <summary>A run's outcome in a <c>sync.run.*</c> event.</summary>
/// <param name="RereadRoster">
/// The run changed more records than the feed lists one by one (EventFeedOptions.BulkRunThreshold): its record events are
/// not in the feed; read the roster again.
/// </param>
public sealed record RunOutcome(Guid Id, string Status, string Trigger, Guid? RevertsRunId, RunCounts Counts, string? Error, bool RereadRoster);

/// <summary>The feed's event types (SPEC §9): <c>{entity}.{action}</c> for record changes, <c>sync.run.{status}</c> and <c>export.run.{status}</c>.</summary>
public static class EventTypes
{
    public const string SyncRunPrefix = "sync.run.";
    public const string ExportRunPrefix = "export.run.";
    public const string Wildcard = "*";

    public static readonly string[] RecordEntities =
        [Entities.Person, Entities.Membership, Entities.Class, Entities.Enrollment, Entities.GuardianLink, Entities.School, Entities.AcademicSession, Entities.Course];

    public static readonly string[] RecordActions =
        [ChangeActions.Created, ChangeActions.Updated, ChangeActions.Archived, ChangeActions.Removed, ChangeActions.Restored];

    /// <summary>
    /// A registration's Api edits (SPEC §6) are journalled like a person's, so the feed serves them: created, and updated
    /// (status or answers). They were served before they were a type a filter or the document knew (walk of issue 14).
    /// </summary>
    public const string Registration = "registration";

    public static readonly string[] RegistrationActions = [ChangeActions.Created, ChangeActions.Updated];

    public static readonly string[] RunStatuses = [RunStatus.Succeeded, RunStatus.Failed, RunStatus.AwaitingApproval, RunStatus.Cancelled];

    /// <summary>How an export run (SPEC §6) ends, cancelled through the Api included.</summary>
    public static readonly string[] ExportRunStatuses = [RunStatus.Succeeded, Export.ExportRunStatuses.PartiallySucceeded, RunStatus.Failed, RunStatus.Cancelled];

    /// <summary>Every status a run event can carry, sync or export.</summary>
    public static readonly string[] AnyRunStatus = [.. RunStatuses.Union(ExportRunStatuses)];

    public static readonly IReadOnlyList<string> All =
    [
        .. RecordEntities.SelectMany(e => RecordActions.Select(a => $"{e}.{a}")), .. RegistrationActions.Select(a => $"{Registration}.{a}"),
        .. RunStatuses.Select(s => SyncRunPrefix + s),
        .. ExportRunStatuses.Select(s => ExportRunPrefix + s),
    ];

    public static string OfChange(string entity, string action) => $"{entity}.{action}";

    /// <summary><c>export.run.{status}</c> for an export run (source kind <c>export</c>), otherwise <c>sync.run.{status}</c>.</summary>
    public static string OfRun(string status, string sourceKind) =>
        (sourceKind == Export.ExportRunStatuses.SourceKind ? ExportRunPrefix : SyncRunPrefix) + status;

    /// <summary>A type filter: an exact type, <c>person.*</c> (every action of an entity), <c>sync.run.*</c>, or <c>*</c>.</summary>
    public static bool IsPattern(string pattern) =>
        pattern == Wildcard || All.Contains(pattern)
        || (pattern.EndsWith(".*", StringComparison.Ordinal) && All.Any(t => t.StartsWith(pattern[..^1], StringComparison.Ordinal)));

    public static bool Matches(IReadOnlyCollection<string> patterns, string type) =>
        patterns.Count == 0 || patterns.Any(p => p == Wildcard || p == type
            || (p.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(p[..^1], StringComparison.Ordinal)));
}
