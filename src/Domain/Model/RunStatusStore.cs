using Npgsql;

namespace RosterSync.Domain.Model;

/// <summary>
/// Every change of a run's status (SPEC §5): queueing (Api, schedules), approval and cancellation (Api), and the Worker's claim,
/// lease (R29) and outcome. One statement each, whose WHERE names the status it leaves, so two writers never both win: a claim or a
/// takeover re-checks the row it locks, and every write a holder makes names the owner it expects, so a Worker whose lease was
/// taken over changes nothing.
/// </summary>
public sealed class RunStatusStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Queues <paramref name="run"/> on the caller's connection (and transaction) unless its district has an open run (R25): false
    /// then, and nothing is written. The unique index on open runs settles two writers racing.
    /// </summary>
    public static async Task<bool> QueueAsync(NpgsqlConnection connection, SyncRun run, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO sync_runs (id, district_id, status, trigger, dry_run, source_kind, upload_id, reverts_run_id, processed, total, counts,
                                   issue_count, approved, retryable, trace_parent, queued_at)
            SELECT $1, $2, 'queued', $3, $4, $5, $6, $7, 0, 0, '{}'::jsonb, 0, false, false, $8, $9
            WHERE NOT EXISTS (SELECT 1 FROM sync_runs WHERE district_id = $2 AND status IN ('queued', 'running', 'awaiting-approval'))
            ON CONFLICT DO NOTHING
            """, connection);
        Add(command, run.Id, run.DistrictId, run.Trigger, run.DryRun, run.SourceKind, (object?)run.UploadId ?? DBNull.Value,
            (object?)run.RevertsRunId ?? DBNull.Value, (object?)run.TraceParent ?? DBNull.Value, run.QueuedAt);
        command.Parameters[5].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid;
        command.Parameters[6].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid;
        command.Parameters[7].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>R21: a run awaiting approval is queued again, approved (and counted as published: the caller publishes it).</summary>
    public async Task<bool> ApproveAsync(Guid districtId, Guid runId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE sync_runs SET approved = true, status = 'queued', published_at = now()
            WHERE district_id = $1 AND id = $2 AND status = 'awaiting-approval'
            """);
        Add(command, districtId, runId);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Cancels an open run. A running run's holder then changes nothing: its final status update names the running status and
    /// rolls back the apply (R23).
    /// </summary>
    public async Task<bool> CancelAsync(Guid districtId, Guid runId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE sync_runs SET status = 'cancelled', finished_at = clock_timestamp()
            WHERE district_id = $1 AND id = $2 AND status IN ('queued', 'running', 'awaiting-approval')
            """);
        Add(command, districtId, runId);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Claims a queued run, or takes over a running run whose lease expired (at most <paramref name="maxTakeovers"/> times;
    /// beyond that <see cref="FailTakenOverTooOftenAsync"/> ends it). Null: someone else holds it, it ended, or it is unknown.
    /// </summary>
    public async Task<ClaimedRun?> TryClaimAsync(Guid runId, string owner, TimeSpan leaseDuration, int maxTakeovers, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE sync_runs SET status = 'running', started_at = now(), phase = 'reading', processed = 0, total = 0,
                   lease_owner = $2, lease_expires_at = clock_timestamp() + $3,
                   takeovers = takeovers + CASE WHEN status = 'running' THEN 1 ELSE 0 END
            WHERE id = $1 AND (status = 'queued'
                  OR (status = 'running' AND coalesce(lease_expires_at, '-infinity') < now() AND takeovers < $4))
            RETURNING district_id, trigger, dry_run, source_kind, upload_id, approved, reverts_run_id, takeovers
            """);
        Add(command, runId, owner, leaseDuration, maxTakeovers);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new ClaimedRun(runId, reader.GetGuid(0), reader.GetString(1), reader.GetBoolean(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetGuid(6), reader.GetInt32(7), owner);
    }

    /// <summary>Extends the holder's lease; false when the run is no longer running under <paramref name="owner"/>.</summary>
    public async Task<bool> RenewLeaseAsync(Guid runId, string owner, TimeSpan leaseDuration, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE sync_runs SET lease_expires_at = clock_timestamp() + $3 WHERE id = $1 AND status = 'running' AND lease_owner = $2");
        Add(command, runId, owner, leaseDuration);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>The holder's progress (phase, processed/total); written only while it still holds the run.</summary>
    public async Task WriteProgressAsync(Guid runId, string owner, string phase, long processed, long total, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE sync_runs SET phase = $3, processed = $4, total = $5 WHERE id = $1 AND status = 'running' AND lease_owner = $2");
        Add(command, runId, owner, phase, processed, total);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Whether <paramref name="owner"/> still holds the running run, optionally locking its row until the transaction ends. With
    /// <paramref name="orCancelled"/>, a run cancelled through the Api while this owner held it counts too (an export run records
    /// the registration it was sending when the cancel came).
    /// </summary>
    public static async Task<bool> StillHeldAsync(NpgsqlConnection connection, Guid runId, string owner, bool lockRow, CancellationToken ct, bool orCancelled = false)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT 1 FROM sync_runs WHERE id = $1 AND status IN ('running'{(orCancelled ? ", 'cancelled'" : "")}) AND lease_owner = $2" + (lockRow ? " FOR UPDATE" : ""), connection);
        Add(command, runId, owner);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>
    /// Ends the holder's run (succeeded, failed, awaiting-approval) on the caller's connection, inside the transaction that wrote
    /// its outcome; false when it no longer holds it (cancelled, or taken over), and the caller rolls back.
    /// </summary>
    public static async Task<bool> FinishAsync(
        NpgsqlConnection connection, Guid runId, string owner, string status, string? countsJson, int? issueCount, string? error, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE sync_runs SET status = $3, counts = COALESCE($4::jsonb, counts), issue_count = COALESCE($5, issue_count), error = $6,
                   processed = total, lease_expires_at = NULL,
                   finished_at = CASE WHEN $3 = 'awaiting-approval' THEN NULL ELSE clock_timestamp() END
            WHERE id = $1 AND status = 'running' AND lease_owner = $2
            """, connection);
        Add(command, runId, owner, status, (object?)countsJson ?? DBNull.Value, (object?)issueCount ?? DBNull.Value, (object?)error ?? DBNull.Value);
        command.Parameters[3].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        command.Parameters[4].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer;
        command.Parameters[5].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Ends the holder's run failed (R22), in the caller's transaction that recorded its issues: the issue count is what the run
    /// recorded; <paramref name="retryable"/> marks a transient source error (a scheduled run is retried).
    /// </summary>
    public static async Task<bool> FailAsync(NpgsqlConnection connection, Guid runId, string owner, string error, bool retryable, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE sync_runs SET status = 'failed', error = $3, retryable = $4, issue_count = (SELECT count(*) FROM run_issues WHERE run_id = $1),
                   processed = total, lease_expires_at = NULL, finished_at = clock_timestamp()
            WHERE id = $1 AND status = 'running' AND lease_owner = $2
            """, connection);
        Add(command, runId, owner, error, retryable);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>A stopping Worker hands its run back to the queue (no takeover is counted); another replica picks it up.</summary>
    public async Task<bool> RequeueAsync(Guid runId, string owner, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE sync_runs SET status = 'queued', published_at = NULL, phase = NULL, lease_expires_at = NULL
            WHERE id = $1 AND status = 'running' AND lease_owner = $2
            """);
        Add(command, runId, owner);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// R29: a running run whose lease expired after <paramref name="maxTakeovers"/> takeovers ends failed (nothing of it was
    /// applied: the apply commits with the final status). Returns the runs it ended.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> FailTakenOverTooOftenAsync(int maxTakeovers, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE sync_runs SET status = 'failed', lease_expires_at = NULL, finished_at = clock_timestamp(),
                   error = 'The run was taken over ' || takeovers || ' times; the Worker holding it stopped each time — see logs. Nothing was applied.'
            WHERE status = 'running' AND coalesce(lease_expires_at, '-infinity') < now() AND takeovers >= $1
            RETURNING id
            """);
        Add(command, maxTakeovers);
        var failed = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) failed.Add(reader.GetGuid(0));
        return failed;
    }

    /// <summary>
    /// Runs whose StartSync should be published (again): queued runs not published for <paramref name="staleAfter"/>, and running
    /// runs whose lease expired (R29), once right after the expiry and then every <paramref name="staleAfter"/>.
    /// </summary>
    /// <summary>Queued runs not published lately and running runs whose lease expired, with the trace they belong to.</summary>
    public async Task<IReadOnlyList<(Guid Run, Guid District, string? TraceParent)>> ToPublishAsync(TimeSpan staleAfter, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, district_id, trace_parent FROM sync_runs
            WHERE (status = 'queued' AND (published_at IS NULL OR published_at < now() - $1))
               OR (status = 'running' AND coalesce(lease_expires_at, '-infinity') < now()
                   AND (published_at IS NULL OR published_at < greatest(lease_expires_at, now() - $1)))
            ORDER BY queued_at LIMIT $2
            """);
        Add(command, staleAfter, limit);
        var runs = new List<(Guid, Guid, string?)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) runs.Add((reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        return runs;
    }

    public async Task MarkPublishedAsync(Guid runId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("UPDATE sync_runs SET published_at = now() WHERE id = $1");
        Add(command, runId);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static void Add(NpgsqlCommand command, params object[] values)
    {
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
    }
}
