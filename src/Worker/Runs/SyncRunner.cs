using System.Text.Json;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.Worker.Sources;

namespace RosterSync.Worker.Runs;

/// <summary>
/// Executes a claimed run: read the source completely (R22), plan (R20), stop for a dry run or for
/// approval (R21), then apply the plan in one transaction (R23). Every outcome is written on the run.
/// </summary>
public sealed class SyncRunner(
    NpgsqlDataSource dataSource, IEnumerable<ISourceReader> readers, TimeProvider clock, ILogger<SyncRunner> logger)
{
    public async Task RunAsync(ClaimedRun run, CancellationToken ct)
    {
        logger.LogInformation("Run {RunId} of district {DistrictId} started ({Trigger}, dry run {DryRun})",
            run.Id, run.DistrictId, run.Trigger, run.DryRun);
        await using var progress = new RunProgress(dataSource, run.Id);
        try
        {
            var plan = run.RevertsRunId is { } reverted
                ? await PlanRevertAsync(run, reverted, progress, ct)
                : await PlanSyncAsync(run, progress, ct);

            if (run.DryRun || (plan.SafetyStop is not null && !run.Approved))
            {
                await StopBeforeApplyAsync(run, plan, ct);
                return;
            }
            await progress.EnterAsync(RunPhases.Applying, plan.Changes.Count, ct);
            await ApplyAsync(run, plan, ct);
        }
        catch (SourceReadException e)
        {
            await FailAsync(run, e.Message, new PlanIssue(Severities.Error, "R22", null, null, e.Message, e.File, e.Row), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The Worker is stopping: hand the run back to the queue so another replica picks it up.
            await RequeueAsync(run.Id);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Run {RunId} failed", run.Id);
            await FailAsync(run, $"The run failed unexpectedly ({e.GetType().Name}); nothing was applied.", null, ct);
        }
    }

    private async Task<Plan> PlanSyncAsync(ClaimedRun run, RunProgress progress, CancellationToken ct)
    {
        var settings = await LoadSettingsAsync(run.DistrictId, ct);
        var snapshot = await ReadAsync(run, progress, ct);
        await progress.EnterAsync(RunPhases.Planning, snapshot.People.Count + snapshot.Classes.Count + snapshot.Enrollments.Count, ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var state = await RosterStateLoader.LoadAsync(connection, run.DistrictId, ct);
        return Planner.Plan(snapshot, state, settings);
    }

    /// <summary>R24: the reverted run's recorded changes are the input; there is no source to read.</summary>
    private async Task<Plan> PlanRevertAsync(ClaimedRun run, Guid revertedRunId, RunProgress progress, CancellationToken ct)
    {
        await progress.EnterAsync(RunPhases.Planning, 0, ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var changes = new List<Change>();
        await using (var command = new NpgsqlCommand(
            "SELECT entity, record_id, source_id, action, field, before, after, rule FROM run_changes WHERE run_id = $1 AND district_id = $2 ORDER BY id",
            connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = revertedRunId });
            command.Parameters.Add(new NpgsqlParameter { Value = run.DistrictId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                changes.Add(new Change(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), Text(reader, 2), reader.GetString(3),
                    Text(reader, 4), Text(reader, 5), Text(reader, 6), Text(reader, 7)));
        }
        var state = await RosterStateLoader.LoadAsync(connection, run.DistrictId, ct);
        return RevertPlanner.Plan(changes, state);
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private async Task<Snapshot> ReadAsync(ClaimedRun run, RunProgress progress, CancellationToken ct)
    {
        var reader = readers.FirstOrDefault(r => r.CanRead(run))
            ?? throw new SourceReadException($"Source kind '{run.SourceKind}' cannot be read by this Worker.");
        return await reader.ReadAsync(run, progress, ct);
    }

    private async Task<SyncSettings> LoadSettingsAsync(Guid districtId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT settings FROM sync_settings WHERE district_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        return await command.ExecuteScalarAsync(ct) is string json
            ? JsonSerializer.Deserialize<SyncSettings>(json, JsonSerializerOptions.Web) ?? SyncSettings.Default
            : SyncSettings.Default;
    }

    /// <summary>R20/R21: the plan is kept on the run and nothing else is written.</summary>
    private async Task StopBeforeApplyAsync(ClaimedRun run, Plan plan, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!await StillRunningAsync(connection, run.Id, ct)) return;
        if (plan.SafetyStop is not null && !run.DryRun)
            plan.Issues.Add(new(Severities.Warning, "R21", null, null, plan.SafetyStop));
        await ReplacePlanAsync(connection, run, plan, ct);
        var status = run.DryRun ? RunStatus.Succeeded : RunStatus.AwaitingApproval;
        await FinishAsync(connection, run.Id, status, plan, null, ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Run {RunId} stopped before applying: {Status}", run.Id, status);
    }

    /// <summary>R23: the plan, its changes and the run's final state commit together or not at all.</summary>
    private async Task ApplyAsync(ClaimedRun run, Plan plan, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!await StillRunningAsync(connection, run.Id, ct))
        {
            logger.LogInformation("Run {RunId} was cancelled before applying; nothing applied", run.Id);
            return;
        }
        await PlanApplier.ApplyAsync(connection, run.DistrictId, run.Id, plan, clock.GetUtcNow(), ct);
        await ReplacePlanAsync(connection, run, plan, ct);
        await FinishAsync(connection, run.Id, RunStatus.Succeeded, plan, null, ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Run {RunId} applied {Changes} changes with {Issues} issues", run.Id, plan.Changes.Count, plan.Issues.Count);
    }

    /// <summary>Locks the run row; a cancel that got there first wins.</summary>
    private static async Task<bool> StillRunningAsync(NpgsqlConnection connection, Guid runId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT status FROM sync_runs WHERE id = $1 FOR UPDATE", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        return await command.ExecuteScalarAsync(ct) as string == RunStatus.Running;
    }

    /// <summary>An approved run is planned again; its earlier plan rows are replaced, not added to.</summary>
    private static async Task ReplacePlanAsync(NpgsqlConnection connection, ClaimedRun run, Plan plan, CancellationToken ct)
    {
        foreach (var table in new[] { "run_changes", "run_issues" })
        {
            await using var clear = new NpgsqlCommand($"DELETE FROM {table} WHERE run_id = $1", connection);
            clear.Parameters.Add(new NpgsqlParameter { Value = run.Id });
            await clear.ExecuteNonQueryAsync(ct);
        }
        await PlanApplier.RecordAsync(connection, run.DistrictId, run.Id, plan, ct);
    }

    private static async Task FinishAsync(NpgsqlConnection connection, Guid runId, string status, Plan? plan, string? error, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE sync_runs SET status = $2, counts = COALESCE($3::jsonb, counts), issue_count = COALESCE($4, issue_count), error = $5,
                   processed = total, finished_at = CASE WHEN $2 = 'awaiting-approval' THEN NULL ELSE now() END
            WHERE id = $1 AND status = 'running'
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        command.Parameters.Add(new NpgsqlParameter { Value = status });
        command.Parameters.Add(new NpgsqlParameter { Value = plan is null ? DBNull.Value : JsonSerializer.Serialize(plan.Counts, JsonSerializerOptions.Web) });
        command.Parameters.Add(new NpgsqlParameter { Value = plan is null ? DBNull.Value : plan.Issues.Count });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task RequeueAsync(Guid runId)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE sync_runs SET status = 'queued', published_at = NULL, phase = NULL WHERE id = $1 AND status = 'running'");
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
        logger.LogInformation("Run {RunId} handed back to the queue at shutdown", runId);
    }

    /// <summary>R22: a failed run applies nothing; it keeps the reason and, where known, the file and row.</summary>
    private async Task FailAsync(ClaimedRun run, string error, PlanIssue? issue, CancellationToken ct)
    {
        logger.LogWarning("Run {RunId} failed; nothing was applied", run.Id);
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await using var tx = await connection.BeginTransactionAsync(CancellationToken.None);
        if (issue is not null) await PlanApplier.RecordIssuesAsync(connection, run.DistrictId, run.Id, [issue], CancellationToken.None);
        await using (var count = new NpgsqlCommand("UPDATE sync_runs SET issue_count = (SELECT count(*) FROM run_issues WHERE run_id = $1) WHERE id = $1", connection))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = run.Id });
            await count.ExecuteNonQueryAsync(CancellationToken.None);
        }
        await FinishAsync(connection, run.Id, RunStatus.Failed, null, error, CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
    }
}
