using System.Linq.Expressions;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;

namespace RosterSync.Api.SyncRuns;

/// <summary>The run shape of SPEC §8; <c>sourceKind</c> and <c>counts.schools</c> extend it.</summary>
public sealed record RunDto(
    Guid Id, [property: Closed(nameof(Vocabularies.RunStatus))] string Status, [property: Closed(nameof(Vocabularies.RunTrigger))] string Trigger, bool DryRun, Guid? RevertsRunId,
    [property: Closed(nameof(Vocabularies.RunSourceKind))] string SourceKind,
    RunProgress Progress, RunCounts Counts, int IssueCount, string? Error,
    DateTimeOffset QueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    public static readonly Expression<Func<SyncRun, RunDto>> Project = r => new RunDto(
        r.Id, r.Status, r.Trigger, r.DryRun, r.RevertsRunId, r.SourceKind,
        new RunProgress(r.Phase, r.Processed, r.Total), r.Counts, r.IssueCount, r.Error,
        r.QueuedAt, r.StartedAt, r.FinishedAt);

    private static readonly Func<SyncRun, RunDto> Compiled = Project.Compile();

    public static RunDto From(SyncRun run) => Compiled(run);
}

public sealed record RunProgress([property: Closed(nameof(Vocabularies.RunPhase))] string? Phase, long Processed, long Total);

public sealed record RunChangeDto(
    long Id, [property: Closed(nameof(Vocabularies.ChangeEntity))] string Entity, Guid? RecordId, string? SourceId, [property: Closed(nameof(Vocabularies.ChangeAction))] string Action, string? Field, string? Before, string? After, string? Rule);

public sealed record RunIssueDto(
    long Id, [property: Closed(nameof(Vocabularies.IssueSeverity))] string Severity, string? Rule, [property: Closed(nameof(Vocabularies.ChangeEntity))] string? Entity, string? SourceId, string? File, int? Row, string Message);
