using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.SyncRuns;

public sealed record StartRunRequest([property: DefaultValue(false)] bool DryRun);

public sealed record RunQuery(
    [property: OneOf(nameof(Vocabularies.RunStatus))] string? Status,
    [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public sealed record ChangeQuery(
    [property: OneOf(nameof(Vocabularies.ChangeEntity))] string? Entity,
    [property: OneOf(nameof(Vocabularies.ChangeAction))] string? Action,
    [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public sealed record IssueQuery(
    [property: OneOf(nameof(Vocabularies.IssueSeverity))] string? Severity,
    [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

public static class SyncRunEndpoints
{
    private static readonly RecordOf Run = new(RecordKinds.Run);

    public static RouteGroupBuilder MapSyncRuns(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/v1/districts/{districtId:guid}/sync-runs").WithTags("SyncRuns");

        runs.MapPost("/", StartRun).RequireScope(Scopes.SyncRun).WithIdempotency().WithName("StartSyncRun").ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.SourceNotPullable, ProblemTypes.RunState)
            .WithSummary("Pull the configured source now (R25: an open run answers instead)");
        runs.MapGet("/", ListRuns).RequireScope(Scopes.RosterRead).WithName("ListSyncRuns");
        runs.MapGet("/{id:guid}", async Task<Results<Ok<RunDto>, ProblemHttpResult>> (Guid districtId, Guid id, RosterDbContext db, CancellationToken ct) =>
            await db.SyncRuns.AsNoTracking().Where(r => r.DistrictId == districtId && r.Id == id).Select(RunDto.Project).SingleOrDefaultAsync(ct)
                is { } run ? TypedResults.Ok(run) : Problems.NotFound())
            .RequireScope(Scopes.RosterRead, Run).WithName("GetSyncRun");
        runs.MapGet("/{id:guid}/changes", ListChanges).RequireScope(Scopes.RosterRead, Run).WithName("ListSyncRunChanges");
        runs.MapGet("/{id:guid}/issues", ListIssues).RequireScope(Scopes.RosterRead, Run).WithName("ListSyncRunIssues");
        runs.MapPost("/{id:guid}/approve", Approve).RequireScope(Scopes.SyncRun, Run).WithName("ApproveSyncRun").ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.RunState)
            .WithSummary("R21: apply a run stopped in awaiting-approval");
        runs.MapPost("/{id:guid}/cancel", Cancel).RequireScope(Scopes.SyncRun, Run).WithName("CancelSyncRun").ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.RunState);
        runs.MapPost("/{id:guid}/revert", Revert).RequireScope(Scopes.SyncRun, Run).WithIdempotency().WithName("RevertSyncRun")
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.RunState, ProblemTypes.RunAlreadyReverted)
            .WithSummary("R24: undo a succeeded run in a new run");
        return runs;
    }

    public static string LocationOf(SyncRun run) => $"/api/v1/districts/{run.DistrictId}/sync-runs/{run.Id}";

    public static Accepted<RunDto> Accepted(SyncRun run) => TypedResults.Accepted(LocationOf(run), RunDto.From(run));

    /// <summary>
    /// R25: the district's open run answers a second request, but an open export run is not a sync run the caller could follow
    /// at sync-runs/{id}: the request is refused, naming it.
    /// </summary>
    public static ProblemHttpResult? ExportRunOpen(SyncRun open) => open.SourceKind != ExportRunStatuses.SourceKind ? null
        : Problems.Conflict(ProblemTypes.RunState, "An export run of this district is open",
            $"Export run {open.Id} is {open.Status}; a sync run can start when it ends (R25). Follow it at export-runs/{open.Id}.", "R25");

    private static async Task<Results<Accepted<RunDto>, ProblemHttpResult>> StartRun(
        Guid districtId, StartRunRequest? request, RosterDbContext db, RunStarter starter, CancellationToken ct)
    {
        var settings = await db.SyncSettings.AsNoTracking().Where(s => s.DistrictId == districtId).Select(s => s.Settings).SingleOrDefaultAsync(ct);
        if (settings?.Source.Kind is not { } kind || kind == SourceKinds.Upload)
            return Problems.Conflict(ProblemTypes.SourceNotPullable, "This district's source is uploaded, not pulled",
                "Upload the file with POST imports, or configure a clever, classlink or oneroster-sftp source in sync-settings.");
        var start = await starter.StartAsync(RunStarter.NewRun(districtId, RunTriggers.Api, kind, request?.DryRun ?? false), null, ct);
        if (ExportRunOpen(start.Run) is { } exporting) return exporting;
        return Accepted(start.Run);
    }

    private static async Task<Results<Ok<Page<RunDto>>, ValidationProblem>> ListRuns(
        Guid districtId, [AsParameters] RunQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? before)) return Cursor.Invalid();
        var rows = await db.SyncRuns.AsNoTracking()
            .Where(r => r.DistrictId == districtId && r.SourceKind != ExportRunStatuses.SourceKind && (query.Status == null || r.Status == query.Status) && (before == null || r.Id < before))
            .OrderByDescending(r => r.Id)
            .TakePage(query)
            .Select(RunDto.Project)
            .ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), r => cursor.Of(r.Id)));
    }

    private static async Task<Results<Ok<Page<RunChangeDto>>, ValidationProblem>> ListChanges(
        Guid districtId, Guid id, [AsParameters] ChangeQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out long? after)) return Cursor.Invalid();
        var rows = await db.RunChanges.AsNoTracking()
            .Where(c => c.RunId == id && c.DistrictId == districtId && (after == null || c.Id > after)
                && (query.Entity == null || c.Entity == query.Entity) && (query.Action == null || c.Action == query.Action))
            .OrderBy(c => c.Id)
            .TakePage(query)
            .Select(c => new RunChangeDto(c.Id, c.Entity, c.RecordId, c.SourceId, c.Action, c.Field, c.Before, c.After, c.Rule))
            .ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), c => cursor.Of(c.Id)));
    }

    private static async Task<Results<Ok<Page<RunIssueDto>>, ValidationProblem>> ListIssues(
        Guid districtId, Guid id, [AsParameters] IssueQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out long? after)) return Cursor.Invalid();
        var rows = await db.RunIssues.AsNoTracking()
            .Where(i => i.RunId == id && i.DistrictId == districtId && (after == null || i.Id > after)
                && (query.Severity == null || i.Severity == query.Severity))
            .OrderBy(i => i.Id)
            .TakePage(query)
            .Select(i => new RunIssueDto(i.Id, i.Severity, i.Rule, i.Entity, i.SourceId, i.File, i.Row, i.Message))
            .ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), i => cursor.Of(i.Id)));
    }

    private static async Task<Results<Accepted<RunDto>, ProblemHttpResult>> Approve(
        Guid districtId, Guid id, RosterDbContext db, RunStatusStore store, RunStarter starter, CancellationToken ct)
    {
        var approved = await store.ApproveAsync(districtId, id, ct);
        var run = await db.SyncRuns.AsNoTracking().SingleAsync(r => r.DistrictId == districtId && r.Id == id, ct);
        if (!approved) return StateConflict(run, "Only a run awaiting approval can be approved");
        await starter.PublishAsync(run, ct);
        return Accepted(run);
    }

    private static async Task<Results<Ok<RunDto>, ProblemHttpResult>> Cancel(
        Guid districtId, Guid id, RosterDbContext db, RunStatusStore store, CancellationToken ct)
    {
        // The Worker checks the status before it applies, so a cancelled running run applies nothing.
        var cancelled = await store.CancelAsync(districtId, id, ct);
        var run = await db.SyncRuns.AsNoTracking().SingleAsync(r => r.DistrictId == districtId && r.Id == id, ct);
        return !cancelled ? StateConflict(run, "Only a queued, running or awaiting-approval run can be cancelled") : TypedResults.Ok(RunDto.From(run));
    }

    private static async Task<Results<Accepted<RunDto>, ProblemHttpResult>> Revert(
        Guid districtId, Guid id, RosterDbContext db, RunStarter starter, CancellationToken ct)
    {
        var run = await db.SyncRuns.AsNoTracking().SingleAsync(r => r.DistrictId == districtId && r.Id == id, ct);
        if (run.Status != RunStatus.Succeeded || run.DryRun)
            return StateConflict(run, "Only a succeeded run that was not a dry run can be reverted");
        if (await db.SyncRuns.AnyAsync(r => r.RevertsRunId == id && r.Status == RunStatus.Succeeded, ct))
            return Problems.Conflict(ProblemTypes.RunAlreadyReverted, "This run was already reverted", rule: "R24");
        var revert = RunStarter.NewRun(districtId, RunTriggers.Revert, RunTriggers.Revert, dryRun: false);
        revert.RevertsRunId = id;
        var start = await starter.StartAsync(revert, null, ct);
        if (ExportRunOpen(start.Run) is { } exporting) return exporting;
        return Accepted(start.Run);
    }

    private static ProblemHttpResult StateConflict(SyncRun run, string title) =>
        Problems.Conflict(ProblemTypes.RunState, title, $"The run is {run.Status}.");
}
