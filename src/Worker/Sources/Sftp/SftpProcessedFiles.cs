using Npgsql;

namespace RosterSync.Worker.Sources.Sftp;

/// <summary>
/// Remembers which bundle (name, size, modification time) each run took, per district. A file counts as processed
/// while the run that took it is open or once that run succeeded (not as a dry run): a failed, cancelled or dry run
/// leaves it to be taken again.
/// </summary>
public sealed class SftpProcessedFiles(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>The file this run took earlier: an approved run is read again and must see what the admin approved.</summary>
    public async Task<RemoteFile?> TakenByAsync(Guid districtId, Guid runId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT file_name, size, modified_at FROM sftp_processed_files WHERE district_id = $1 AND run_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new RemoteFile(reader.GetString(0), reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }

    /// <summary>
    /// The newest file (by modification time, then name) that counts as processed, for another run than this one:
    /// files up to it are done; the ones after it are pending.
    /// </summary>
    public async Task<RemoteFile?> LastProcessedAsync(Guid districtId, Guid runId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT f.file_name, f.size, f.modified_at FROM sftp_processed_files f JOIN sync_runs r ON r.id = f.run_id
            WHERE f.district_id = $1 AND r.id <> $2
              AND ((r.status = 'succeeded' AND NOT r.dry_run) OR r.status IN ('queued', 'running', 'awaiting-approval'))
            ORDER BY f.modified_at DESC, f.file_name DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new RemoteFile(reader.GetString(0), reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }

    public async Task TakeAsync(Guid districtId, Guid runId, RemoteFile file, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(file);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO sftp_processed_files (district_id, file_name, size, modified_at, run_id, taken_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (district_id, file_name, size, modified_at) DO UPDATE SET run_id = excluded.run_id, taken_at = excluded.taken_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        command.Parameters.Add(new NpgsqlParameter { Value = file.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = file.Size });
        command.Parameters.Add(new NpgsqlParameter { Value = file.ModifiedAt });
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        await command.ExecuteNonQueryAsync(ct);
    }
}
