using Npgsql;

namespace RosterSync.Worker.Runs;

public sealed record ClaimedRun(
    Guid Id, Guid DistrictId, string Trigger, bool DryRun, string SourceKind, Guid? UploadId, bool Approved, Guid? RevertsRunId);

/// <summary>Moves a run from queued to running in one statement: exactly one claimer wins.</summary>
public sealed class RunClaimer(NpgsqlDataSource dataSource, ILogger<RunClaimer> logger)
{
    public async Task<ClaimedRun?> TryClaimAsync(Guid runId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE sync_runs SET status = 'running', started_at = now(), phase = 'reading', processed = 0, total = 0
            WHERE id = $1 AND status = 'queued'
            RETURNING district_id, trigger, dry_run, source_kind, upload_id, approved, reverts_run_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            logger.LogInformation("Run {RunId} is not queued (claimed elsewhere, finished or unknown); message ignored", runId);
            return null;
        }
        return new ClaimedRun(runId, reader.GetGuid(0), reader.GetString(1), reader.GetBoolean(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetGuid(6));
    }
}
