using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Worker.Runs;

namespace RosterSync.Worker.Export;

/// <summary>What became of one registration in an export run.</summary>
public sealed record ItemOutcome(string Status, string? SisId, ExportError? Error, string? PayloadHash);

/// <summary>
/// Executes a claimed export run (SPEC §6) under the run lease of sync runs (R29): each pending registration of the run is
/// mapped through its school's connection and sent, and its outcome (sent with the SIS id, failed with the target's error,
/// unchanged when the same payload was already sent) is written with the lease checked, in one transaction with the
/// registration's export state and the person's <c>sis</c> source link (R1/R2 then match it on the next inbound sync).
/// Items already written are never sent again: a run taken over continues with the pending ones. A run cancelled through the
/// Api stops before its next registration; the one it was sending is still recorded.
/// </summary>
public sealed class ExportRunner(
    RosterDbContext db, NpgsqlDataSource dataSource, RunStatusStore store, ExportSender sender, IOptions<RunLeaseOptions> leaseOptions, ILogger<ExportRunner> logger)
{
    public const string Phase = RunPhases.Exporting;

    public async Task RunAsync(ClaimedRun run, CancellationToken stopping)
    {
        logger.LogInformation("Export run {RunId} of district {DistrictId} started by {Worker}", run.Id, run.DistrictId, run.Owner);
        await using var lease = new RunLease(store, run.Id, run.Owner, leaseOptions.Value, logger);
        using var stopOrLost = CancellationTokenSource.CreateLinkedTokenSource(stopping, lease.Lost);
        var ct = stopOrLost.Token;
        try
        {
            var force = await db.ExportRunRequests.Where(r => r.RunId == run.Id).Select(r => r.Force).SingleAsync(ct);
            var items = await db.ExportRunItems.AsNoTracking().Where(i => i.RunId == run.Id).Select(i => new { i.RegistrationId, i.Status }).ToListAsync(ct);
            var pending = items.Where(i => i.Status == ExportStatuses.Pending).Select(i => i.RegistrationId).Order().ToList();
            long processed = items.Count - pending.Count;
            await store.WriteProgressAsync(run.Id, run.Owner, Phase, processed, items.Count, ct);
            var connections = await db.ExportConnections.AsNoTracking().Where(c => c.DistrictId == run.DistrictId).ToDictionaryAsync(c => c.Id, ct);
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            foreach (var registrationId in pending)
            {
                ct.ThrowIfCancellationRequested();
                // A cancel through the Api is seen here, before the next registration: what was sent stays sent, the rest pending.
                if (!await StillHeldAsync(run, ct))
                {
                    logger.LogInformation("Export run {RunId} stopped by {Worker} with {Left} registration(s) left pending: cancelled or taken over",
                        run.Id, run.Owner, items.Count - processed);
                    return;
                }
                var outcome = await ExportOneAsync(run, registrationId, connections, force, today, ct);
                await RecordAsync(run, registrationId, outcome, lease, ct);
                await store.WriteProgressAsync(run.Id, run.Owner, Phase, ++processed, items.Count, ct);
            }
            await FinishAsync(run, lease, ct);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            if (await store.RequeueAsync(run.Id, run.Owner, CancellationToken.None))
                logger.LogInformation("Export run {RunId} handed back to the queue at shutdown", run.Id);
        }
        catch (Exception e) when (lease.IsLost)
        {
            logger.LogWarning("Export run {RunId} stopped by {Worker} after its lease was lost ({Error})", run.Id, run.Owner, e.GetType().Name);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Export run {RunId} failed", run.Id);
            lease.Finishing();
            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await RunStatusStore.FinishAsync(connection, run.Id, run.Owner, RunStatus.Failed, null, null,
                $"The export run failed unexpectedly ({e.GetType().Name}); registrations already sent keep their status.", CancellationToken.None);
        }
    }

    private async Task<ItemOutcome> ExportOneAsync(
        ClaimedRun run, Guid registrationId, Dictionary<Guid, ExportConnection> connections, bool force, DateOnly today, CancellationToken ct)
    {
        var source = (await ExportSources.LoadAsync(db, run.DistrictId, db.Registrations.Where(r => r.Id == registrationId), ct)).SingleOrDefault();
        if (source is null || source.Registration.Status != RegistrationStatuses.Approved)
            return Failed("The registration is no longer approved; only approved registrations are sent.");
        if (source.ConnectionId is not { } connectionId || !connections.TryGetValue(connectionId, out var connection))
            return Failed("The registration's school has no export connection: assign one (POST export-connections/{id}/schools).");
        var mapped = PayloadMapper.Map(connection.Operations, connection.TargetFields, connection.Mappings, source.Values, today);
        if (mapped.Errors.Count > 0)
            return new ItemOutcome(ExportStatuses.Failed, null, new ExportError("mapping", null, null, "The registration cannot be mapped; nothing was sent.",
                mapped.Errors.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[e.Value])), null);
        var hash = mapped.Hash();
        if (!force && source.Registration.SentPayloadHash == hash && source.Registration.ExportStatus is ExportStatuses.Sent or ExportStatuses.Unchanged)
            return new ItemOutcome(ExportStatuses.Unchanged, source.Registration.SisId, null, hash);

        await db.ExportRunItems.Where(i => i.RunId == run.Id && i.RegistrationId == registrationId)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Attempts, i => i.Attempts + 1), ct);
        try
        {
            var outcome = await sender.SendAsync(connection, mapped, ct);
            return outcome.Error is { } error
                ? new ItemOutcome(ExportStatuses.Failed, outcome.SisId, error, null)
                : new ItemOutcome(ExportStatuses.Sent, outcome.SisId, null, hash);
        }
        catch (SisUnavailableException e)
        {
            return Failed(e.Message);
        }

        static ItemOutcome Failed(string message) => new(ExportStatuses.Failed, null, new ExportError("export", null, null, message, null), null);
    }

    /// <summary>One transaction, with the run's row locked under this Worker's lease: a Worker that lost the run writes nothing.</summary>
    private async Task RecordAsync(ClaimedRun run, Guid registrationId, ItemOutcome outcome, RunLease lease, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await RunStatusStore.StillHeldAsync(connection, run.Id, run.Owner, lockRow: true, ct, orCancelled: true))
            throw new OperationCanceledException("The export run is no longer held by this Worker.", lease.Lost);
        var error = outcome.Error is null ? null : JsonSerializer.Serialize(outcome.Error, JsonSerializerOptions.Web);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Command("""
                    UPDATE export_run_items SET status = $3, sis_id = $4, error = $5::jsonb, finished_at = now()
                    WHERE run_id = $1 AND registration_id = $2 AND status = 'pending'
                    """, run.Id, registrationId, outcome.Status, outcome.SisId, error),
                Command("""
                    UPDATE registrations SET export_status = $3, sis_id = coalesce($4, sis_id), export_error = $5::jsonb,
                           sent_payload_hash = CASE WHEN $3 = 'sent' THEN $6 ELSE sent_payload_hash END,
                           exported_at = CASE WHEN $3 = 'sent' THEN now() ELSE exported_at END, last_export_run_id = $1
                    WHERE id = $2
                    """, run.Id, registrationId, outcome.Status, outcome.SisId, error, outcome.PayloadHash),
                // The SIS id becomes the person's sis source link, so the next inbound sync matches the same person (R1, R2).
                Command("""
                    WITH changed AS (
                        UPDATE people p SET sis_id = $3, updated_at = now()
                        FROM registrations r, people old
                        WHERE r.id = $2 AND p.id = r.person_id AND old.id = p.id AND $3 IS NOT NULL AND p.sis_id IS DISTINCT FROM $3
                        RETURNING p.id, p.district_id, old.sis_id AS before)
                    INSERT INTO run_changes (run_id, district_id, entity, record_id, source_id, action, field, before, after, rule)
                    SELECT $1, district_id, 'person', id, $3, 'updated', 'sisId', before, $3, 'export' FROM changed
                    """, run.Id, registrationId, outcome.SisId),
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    private async Task<bool> StillHeldAsync(ClaimedRun run, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await RunStatusStore.StillHeldAsync(connection, run.Id, run.Owner, lockRow: false, ct);
    }

    private async Task FinishAsync(ClaimedRun run, RunLease lease, CancellationToken ct)
    {
        var counts = await db.ExportRunItems.Where(i => i.RunId == run.Id).GroupBy(i => i.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var failed = counts.GetValueOrDefault(ExportStatuses.Failed);
        var ok = counts.GetValueOrDefault(ExportStatuses.Sent) + counts.GetValueOrDefault(ExportStatuses.Unchanged);
        var status = failed == 0 ? RunStatus.Succeeded : ok == 0 ? RunStatus.Failed : ExportRunStatuses.PartiallySucceeded;
        lease.Finishing();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // The run's counts say what it changed in the roster (each SIS id it linked is a person updated), so the
        // export.run.* event (SPEC §9) tells a consumer whether the roster moved.
        var linked = await db.RunChanges.CountAsync(c => c.RunId == run.Id, ct);
        var runCounts = new RunCounts { People = new ActionCounts { Updated = linked } };
        if (!await RunStatusStore.FinishAsync(connection, run.Id, run.Owner, status, JsonSerializer.Serialize(runCounts, JsonSerializerOptions.Web), null,
                failed == 0 ? null : $"{failed} registration(s) failed; read each one's error in the run's items.", ct))
            return;
        await transaction.CommitAsync(ct);
        logger.LogInformation("Export run {RunId} {Status}: {Sent} sent, {Unchanged} unchanged, {Failed} failed", run.Id, status,
            counts.GetValueOrDefault(ExportStatuses.Sent), counts.GetValueOrDefault(ExportStatuses.Unchanged), failed);
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        // Every value that may be null here is text (an SIS id, an error, a hash): typed, so PostgreSQL need not infer it.
        foreach (var value in values)
            command.Parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter { Value = value });
        return command;
    }
}
