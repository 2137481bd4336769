using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Api.SyncRuns;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Export;

/// <summary>Which registrations to export: by ids, or every approved registration of a school (or of the district); only approved ones are sent.</summary>
public sealed record StartExportRun(IReadOnlyList<Guid>? RegistrationIds, Guid? SchoolId, bool Force);

public sealed record ExportCounts(int Pending, int Sent, int Failed, int Unchanged, int NotApproved);

public sealed record ExportRunDto(
    Guid Id, [property: Closed(nameof(Vocabularies.ExportRunStatus))] string Status, bool Force, RunProgress Progress, ExportCounts Counts, string? Error,
    DateTimeOffset QueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

public sealed record ExportRunItemDto(Guid RegistrationId, [property: Closed(nameof(Vocabularies.ExportStatus))] string Status, string? SisId, ExportError? Error, int Attempts, DateTimeOffset? FinishedAt);

public sealed record ExportItemQuery(
    [property: OneOf(nameof(Vocabularies.ExportStatus))] string? Status,
    [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

/// <summary>
/// Bulk export (SPEC §6): an export run is a run row like a sync run (source kind <c>export</c>), so it is queued, claimed,
/// leased and taken over by the same machinery (R25, R29). Its registrations and their outcomes are its items.
/// </summary>
public static class ExportRunEndpoints
{
    private static readonly RecordOf ExportRun = new(RecordKinds.ExportRun);

    public static RouteGroupBuilder MapExportRuns(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/v1/districts/{districtId:guid}/export-runs").WithTags("ExportRuns");
        runs.MapPost("/", Start).RequireScope(Scopes.ExportRun).WithIdempotency().WithName("StartExportRun").ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.RunState)
            .WithSummary("Queue an export of approved registrations to the SIS (an open export run answers instead; an open sync run is a 409)");
        runs.MapGet("/{id:guid}", async Task<Results<Ok<ExportRunDto>, ProblemHttpResult>> (Guid districtId, Guid id, RosterDbContext db, CancellationToken ct) =>
                await DtoAsync(db, districtId, id, ct) is { } run ? TypedResults.Ok(run) : Problems.NotFound())
            .RequireScope(Scopes.RosterRead, ExportRun).WithName("GetExportRun");
        runs.MapPost("/{id:guid}/cancel", Cancel).RequireScope(Scopes.ExportRun, ExportRun).WithName("CancelExportRun").ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.RunState)
            .WithSummary("Cancel a queued run at once, or a running one before its next registration (sent ones stay sent, the rest pending)");
        runs.MapGet("/{id:guid}/items", ListItems).RequireScope(Scopes.RosterRead, ExportRun).WithName("ListExportRunItems");
        return runs;
    }

    public static async Task<ExportRunDto?> DtoAsync(RosterDbContext db, Guid districtId, Guid id, CancellationToken ct)
    {
        var run = await db.SyncRuns.AsNoTracking().SingleOrDefaultAsync(r => r.DistrictId == districtId && r.Id == id && r.SourceKind == ExportRunStatuses.SourceKind, ct);
        if (run is null) return null;
        var request = await db.ExportRunRequests.AsNoTracking().SingleAsync(r => r.RunId == id, ct);
        var counts = await db.ExportRunItems.Where(i => i.RunId == id).GroupBy(i => i.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        return new ExportRunDto(run.Id, run.Status, request.Force, new RunProgress(run.Phase, run.Processed, run.Total),
            new ExportCounts(counts.GetValueOrDefault(ExportStatuses.Pending), counts.GetValueOrDefault(ExportStatuses.Sent),
                counts.GetValueOrDefault(ExportStatuses.Failed), counts.GetValueOrDefault(ExportStatuses.Unchanged), request.NotApproved),
            run.Error, run.QueuedAt, run.StartedAt, run.FinishedAt);
    }

    private static async Task<Results<Accepted<ExportRunDto>, ValidationProblem, ProblemHttpResult>> Start(
        Guid districtId, StartExportRun request, RosterDbContext db, RunStarter starter, CancellationToken ct)
    {
        var ids = request.RegistrationIds?.Distinct().ToList();
        if (ids is { Count: 0 or > 10_000 }) return Problems.Invalid("registrationIds", "1 to 10000 registrations, or none to export by school or district.");
        if (request.SchoolId is { } school && !await db.Schools.AnyAsync(s => s.DistrictId == districtId && s.Id == school, ct))
            return Problems.Invalid("schoolId", "No such school in this district.");
        var chosen = db.Registrations.Where(r => r.DistrictId == districtId && (ids == null || ids.Contains(r.Id)) && (request.SchoolId == null || r.SchoolId == request.SchoolId));
        var found = await chosen.Select(r => new { r.Id, r.Status }).ToListAsync(ct);
        if (ids is not null && found.Count != ids.Count) return Problems.Invalid("registrationIds", "Every registration must exist in this district.");
        var approved = found.Where(r => r.Status == RegistrationStatuses.Approved).Select(r => r.Id).ToList();

        var run = RunStarter.NewRun(districtId, RunTriggers.Api, ExportRunStatuses.SourceKind, dryRun: false);
        var start = await starter.StartAsync(run, async (connection, transaction, token) =>
        {
            // The run's registrations are fixed when it is queued, in the transaction that queues it.
            await using var batch = new NpgsqlBatch(connection, (NpgsqlTransaction)transaction);
            var insertRequest = new NpgsqlBatchCommand("INSERT INTO export_run_requests (run_id, district_id, force, not_approved) VALUES ($1, $2, $3, $4)");
            foreach (var value in new object[] { run.Id, districtId, request.Force, found.Count - approved.Count }) insertRequest.Parameters.Add(new NpgsqlParameter { Value = value });
            batch.BatchCommands.Add(insertRequest);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO export_run_items (run_id, registration_id, district_id, status, attempts) SELECT $1, unnest($2::uuid[]), $3, 'pending', 0
                """) { Parameters = { new NpgsqlParameter { Value = run.Id }, new NpgsqlParameter { Value = approved.ToArray() }, new NpgsqlParameter { Value = districtId } } });
            await batch.ExecuteNonQueryAsync(token);
        }, ct);
        if (start.Run.SourceKind != ExportRunStatuses.SourceKind)
            return Problems.Conflict(ProblemTypes.RunState, "A sync run of this district is open",
                $"Run {start.Run.Id} is {start.Run.Status}; an export writes SIS ids onto people, so it waits until the sync run ends (R25).", "R25");
        // The run row needs its items to be readable: the insert above may have been the other request's.
        db.ChangeTracker.Clear();
        return TypedResults.Accepted($"/api/v1/districts/{districtId}/export-runs/{start.Run.Id}", (await DtoAsync(db, districtId, start.Run.Id, ct))!);
    }

    /// <summary>
    /// The run's row becomes cancelled; a Worker running it sees that before its next registration and stops, recording the one
    /// it was sending. Already-sent registrations stay sent, the others pending (a later export sends them).
    /// </summary>
    private static async Task<Results<Ok<ExportRunDto>, ProblemHttpResult>> Cancel(
        Guid districtId, Guid id, RosterDbContext db, RunStatusStore store, CancellationToken ct)
    {
        if (!await db.SyncRuns.AnyAsync(r => r.DistrictId == districtId && r.Id == id && r.SourceKind == ExportRunStatuses.SourceKind, ct)) return Problems.NotFound();
        var cancelled = await store.CancelAsync(districtId, id, ct);
        var run = (await DtoAsync(db, districtId, id, ct))!;
        return cancelled ? TypedResults.Ok(run)
            : Problems.Conflict(ProblemTypes.RunState, "Only a queued or running export run can be cancelled", $"The run is {run.Status}.");
    }

    private static async Task<Results<Ok<Page<ExportRunItemDto>>, ValidationProblem>> ListItems(
        Guid districtId, Guid id, [AsParameters] ExportItemQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var rows = await db.ExportRunItems.AsNoTracking()
            .Where(i => i.RunId == id && i.DistrictId == districtId && (after == null || i.RegistrationId > after) && (query.Status == null || i.Status == query.Status))
            .OrderBy(i => i.RegistrationId)
            .TakePage(query)
            .ToListAsync(ct);
        var items = rows.Select(i => new ExportRunItemDto(i.RegistrationId, i.Status, i.SisId,
            i.Error is null ? null : System.Text.Json.JsonSerializer.Deserialize<ExportError>(i.Error, System.Text.Json.JsonSerializerOptions.Web), i.Attempts, i.FinishedAt)).ToList();
        return TypedResults.Ok(Page.From(items, query.LimitOf(), i => cursor.Of(i.RegistrationId)));
    }
}
