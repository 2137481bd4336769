using System.Data.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Api.SyncRuns;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Api.Imports;

public static class ImportEndpoints
{
    public static RouteGroupBuilder MapImports(this IEndpointRouteBuilder app)
    {
        var maxBytes = app.ServiceProvider.GetRequiredService<IOptions<ImportOptions>>().Value.MaxFileBytes;
        var imports = app.MapGroup("/api/v1/districts/{districtId:guid}/imports").WithTags("Imports");
        imports.MapPost("/", Import).RequireScope(Scopes.SyncRun).WithIdempotency().WithName("ImportFile")
            .ProducesProblems(StatusCodes.Status400BadRequest, ProblemTypes.EmptyFile)
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.RunState).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblems(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.NotZipOrCsv)
            .WithSummary("Upload a OneRoster CSV zip, a students.csv/staff.csv, or a guardian file; it runs like a sync (R25)")
            .DisableAntiforgery()
            // Kestrel stops a body over the limit (plus room for the multipart framing) with a 413; the form reader
            // must not stop it first with its own 128 MB default, and the file itself is checked against the limit below.
            .WithMetadata(new RequestSizeLimitAttribute(maxBytes + 64 * 1024))
            .WithFormOptions(multipartBodyLengthLimit: long.MaxValue);
        return imports;
    }

    private static async Task<Results<Accepted<RunDto>, ValidationProblem, ProblemHttpResult>> Import(
        Guid districtId, IFormFile? file, [FromForm] bool? dryRun, [FromForm] string? kind,
        RunStarter starter, IOptions<ImportOptions> options, CancellationToken ct)
    {
        kind ??= SnapshotReader.Roster;
        if (kind is not (SnapshotReader.Roster or SnapshotReader.Guardians))
            return Problems.Invalid("kind", $"Must be {SnapshotReader.Roster} or {SnapshotReader.Guardians}.");
        if (file is null) return Problems.Invalid("file", "Required: a multipart/form-data part named file.");
        if (file.Length == 0)
            return TypedResults.Problem(type: ProblemTypes.EmptyFile, title: "The file is empty", statusCode: StatusCodes.Status400BadRequest);
        if (file.Length > options.Value.MaxFileBytes)
            return TypedResults.Problem(type: ProblemTypes.PayloadTooLarge, title: "The file is too large",
                detail: $"At most {options.Value.MaxFileBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        if (await SniffAsync(file, ct) == FileFormat.Other)
            return TypedResults.Problem(type: ProblemTypes.NotZipOrCsv, title: "The file is neither a zip nor a CSV",
                detail: "Upload a OneRoster 1.1 CSV zip, or a CSV file in UTF-8, Windows-1252 or UTF-16 with a byte order mark.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);

        var run = RunStarter.NewRun(districtId, RunTriggers.Upload, SourceKinds.Upload, dryRun ?? false);
        run.UploadId = Guid.CreateVersion7();
        var start = await starter.StartAsync(run, (connection, transaction, token) => StoreAsync(connection, transaction, run, file, kind, token), ct);
        if (SyncRunEndpoints.ExportRunOpen(start.Run) is { } exporting) return exporting;
        return SyncRunEndpoints.Accepted(start.Run);
    }

    /// <summary>The run's own test (<see cref="SnapshotReader.Sniff"/>), so the Api refuses exactly what the run could not read.</summary>
    private static async Task<FileFormat> SniffAsync(IFormFile file, CancellationToken ct)
    {
        var head = new byte[SnapshotReader.SniffBytes];
        await using var content = file.OpenReadStream();
        var length = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        return SnapshotReader.Sniff(head.AsSpan(0, length));
    }

    /// <summary>Streams the file into uploads.content, so a 512 MB upload is never held in memory.</summary>
    private static async Task StoreAsync(NpgsqlConnection connection, DbTransaction transaction, SyncRun run, IFormFile file, string kind, CancellationToken ct)
    {
        await using var content = file.OpenReadStream();
        await using var insert = new NpgsqlCommand(
            "INSERT INTO uploads (id, district_id, file_name, kind, size, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            connection, (NpgsqlTransaction)transaction);
        insert.Parameters.Add(new() { Value = run.UploadId!.Value });
        insert.Parameters.Add(new() { Value = run.DistrictId });
        insert.Parameters.Add(new() { Value = Path.GetFileName(file.FileName) is { Length: > 0 } name ? name : "upload" });
        insert.Parameters.Add(new() { Value = kind });
        insert.Parameters.Add(new() { Value = file.Length });
        insert.Parameters.Add(new() { Value = content, NpgsqlDbType = NpgsqlDbType.Bytea });
        insert.Parameters.Add(new() { Value = run.QueuedAt });
        await insert.ExecuteNonQueryAsync(ct);
    }
}
