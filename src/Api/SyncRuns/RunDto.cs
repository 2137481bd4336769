using System.Linq.Expressions;
using RosterSync.Domain.Model;

namespace RosterSync.Api.SyncRuns;

/// <summary>The run shape of SPEC §8; <c>sourceKind</c> and <c>counts.schools</c> extend it.</summary>
public sealed record RunDto(
    Guid Id, string Status, string Trigger, bool DryRun, Guid? RevertsRunId, string SourceKind,
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

public sealed record RunProgress(string? Phase, long Processed, long Total);

public sealed record RunChangeDto(
    long Id, string Entity, Guid? RecordId, string? SourceId, string Action, string? Field, string? Before, string? After, string? Rule);

public sealed record RunIssueDto(
    long Id, string Severity, string? Rule, string? Entity, string? SourceId, string? File, int? Row, string Message);
