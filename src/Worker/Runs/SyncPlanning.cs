using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.Worker.Sources;

namespace RosterSync.Worker.Runs;

/// <summary>A run's plan, with what its apply stores for the next re-sync (issue 12); no fingerprints for a revert.</summary>
public sealed record PlannedRun(Plan Plan, FingerprintUpdates? Fingerprints = null, long Basis = 0);

/// <summary>
/// The read and plan phases of a run (R20, R22, R24). A sync reads the source completely, then plans it against the district's
/// current state. A re-sync with the basis of the district's last applied run (same source kind, settings, schools, sessions and
/// courses) plans only the people whose source rows changed since, those gone, and their neighbourhood (<see cref="ResyncScope"/>);
/// the rest is counted unchanged without loading it. Each phase's time, counts and memory are logged (ids and counts only).
/// </summary>
public sealed class SyncPlanning(NpgsqlDataSource dataSource, IEnumerable<ISourceReader> readers, ILogger<SyncPlanning> logger)
{
    public Task<PlannedRun> PlanAsync(HeldRun run, RunProgress progress, CancellationToken ct) =>
        run.RevertsRunId is { } reverted ? PlanRevertAsync(run, reverted, progress, ct) : PlanSyncAsync(run, progress, ct);

    private async Task<PlannedRun> PlanSyncAsync(HeldRun run, RunProgress progress, CancellationToken ct)
    {
        var settings = await LoadSettingsAsync(run.DistrictId, ct);
        long? lastBasis;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
            lastBasis = await FingerprintStore.LastBasisAsync(connection, run.DistrictId, ct);
        var watch = Stopwatch.StartNew();
        // While the source is read the database works on the other core: without a last basis every record is planned, so the whole
        // state is loaded; otherwise the people index the re-sync decides with. A failed read cancels the load. Both read through
        // one string pool, so the ids and emails they share with the snapshot are held once; it closes before planning.
        SharedStrings.Begin();
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var loading = Task.Run(() => lastBasis is null ? LoadStateAsync(run.DistrictId, null, stopLoad.Token) : LoadIndexAsync(run.DistrictId, stopLoad.Token),
            stopLoad.Token);
        Snapshot snapshot;
        try
        {
            snapshot = await ReadAsync(run, progress, ct);
        }
        catch
        {
            await stopLoad.CancelAsync();
            try { await loading; } catch (Exception e) when (e is OperationCanceledException or NpgsqlException) { }
            throw;
        }
        var readMs = watch.ElapsedMilliseconds;
        await progress.EnterAsync(RunPhases.Planning, snapshot.People.Count + snapshot.Classes.Count + snapshot.Enrollments.Count, ct);
        Loaded? loaded = await loading;
        var waitedMs = watch.ElapsedMilliseconds - readMs;

        watch.Restart();
        var basis = SourceFingerprints.Basis(snapshot, settings);
        var prints = SourceFingerprints.People(snapshot);
        var printsMs = watch.ElapsedMilliseconds;
        ResyncScope? scope = null;
        string? fullBecause;
        if (lastBasis is null || loaded.Index is not { } index) fullBecause = "no earlier applied run";
        else if (lastBasis != basis) fullBecause = "the source kind, settings, schools, sessions or courses changed";
        else
            (scope, fullBecause) = ResyncScope.Select(snapshot, settings, prints, index.People.Select(p => p.For(snapshot.LinkKind)).ToList(),
                index.GuardianPairs, index.Catalog.Classes, index.Catalog.Schools);
        var scopeMs = watch.ElapsedMilliseconds;
        watch.Restart();
        // What FingerprintUpdates compares with: the stored fingerprints of the people planned (none without an index).
        var stored = loaded.Index?.People.Where(p => scope?.People.Contains(p.Id) ?? true).ToDictionary(p => p.Id, p => p.Fingerprint) ?? [];
        var peakAfterScopeMb = RunMemory.PeakWorkingSetMb(); // the read's, index's and scope's peak, apart from the state load's
        var state = loaded.State ?? (await LoadStateAsync(run.DistrictId, scope?.People, ct, loaded.Index)).State!;
        var stateMs = loaded.Ms + watch.ElapsedMilliseconds;
        SharedStrings.End();
        loaded = null;

        // Reading and loading leave garbage behind (the pool's index, parsers' buffers, duplicate-id tables); planning is the run's
        // memory peak, so it starts on a compacted heap. A fingerprinted re-sync plans a small part: its peak is the read, and a
        // compaction would cost more than its planning (the runner compacts after the run either way).
        watch.Restart();
        var peakBeforeGcMb = RunMemory.PeakWorkingSetMb();
        if (scope is null) RunMemory.CompactHeap(GCCollectionMode.Forced);
        var (gcMs, liveMb) = (watch.ElapsedMilliseconds, GC.GetTotalMemory(false) >> 20);
        watch.Restart();
        var planned = scope?.Subset ?? snapshot;
        var plan = Planner.Plan(planned, state, settings, progress);
        scope?.CountLeftOut(plan);
        var updates = FingerprintUpdates.After(planned, prints, state, plan, id => stored.GetValueOrDefault(id));
        plan.Fingerprints = updates.Written;
        logger.LogInformation(
            "Run {RunId} timings: read {ReadMs} ms ({People} people, {Classes} classes, {Enrollments} enrollments, {SourceIssues} issues); "
            + "{Path} ({FullBecause}; fingerprints {PrintsMs} ms, scope {ScopeMs} ms, {ScopePeople} people rows planned, {ScopeRecords} records loaded); "
            + "state {StateMs} ms ({StatePeople} people, {StateLinks} links; waited {WaitedMs} ms after the read; peak working set {ScopePeakMb} MB before, {StatePeakMb} MB after); "
            + "gc {GcMs} ms ({LiveMb} MB live); "
            + "plan {PlanMs} ms ({Changes} changes, {Issues} issues); managed heap {HeapMb} MB, peak working set {PeakMb} MB",
            run.Id, readMs, snapshot.People.Count, snapshot.Classes.Count, snapshot.Enrollments.Count, snapshot.Issues.Count,
            scope is null ? "full plan" : "fingerprinted re-sync", fullBecause ?? "rows unchanged since the last run are left out", printsMs, scopeMs - printsMs,
            planned.People.Count, state.People.Count,
            stateMs, state.People.Count, state.Memberships.Count + state.Enrollments.Count + state.GuardianLinks.Count, waitedMs, peakAfterScopeMb, peakBeforeGcMb,
            gcMs, liveMb,
            watch.ElapsedMilliseconds, plan.Changes.Count, plan.Issues.Count, GC.GetTotalMemory(false) >> 20, RunMemory.PeakWorkingSetMb());
        return new PlannedRun(plan, updates, basis);
    }

    /// <summary>What the database gives the planner: the state (whole, or <paramref name="onlyPeople"/>'s part), or the people index.</summary>
    private sealed record Loaded(RosterState? State, PeopleIndex? Index, long Ms);

    /// <summary>What a re-sync decides its scope with, loaded beside the read: the catalog and R21's counts are loaded once for the run.</summary>
    private sealed record PeopleIndex(
        List<StoredPersonLinks> People, List<(Guid Guardian, Guid Student)> GuardianPairs, RosterState Catalog, ActiveSyncedRecords ActiveSynced);

    /// <param name="index">Loaded beside the read: its catalog is taken, and R21's counts when only part of the district is loaded.</param>
    private async Task<Loaded> LoadStateAsync(Guid districtId, IReadOnlyCollection<Guid>? onlyPeople, CancellationToken ct, PeopleIndex? index = null)
    {
        var watch = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var state = await RosterStateLoader.LoadAsync(connection, districtId, ct, onlyPeople, index?.Catalog);
        // R21 weighs losses against the whole district, not the part loaded.
        if (onlyPeople is not null)
            state = state.WithActiveSynced(index?.ActiveSynced ?? await FingerprintStore.ActiveSyncedAsync(connection, districtId, ct));
        return new(state, null, watch.ElapsedMilliseconds);
    }

    private async Task<Loaded> LoadIndexAsync(Guid districtId, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var (people, pairs) = await FingerprintStore.LoadIndexAsync(connection, districtId, ct);
        var catalog = await RosterStateLoader.LoadAsync(connection, districtId, ct, onlyPeople: []);
        var activeSynced = await FingerprintStore.ActiveSyncedAsync(connection, districtId, ct);
        return new(null, new PeopleIndex(people, pairs, catalog, activeSynced), watch.ElapsedMilliseconds);
    }

    /// <summary>R24: the reverted run's recorded changes are the input; there is no source to read.</summary>
    private async Task<PlannedRun> PlanRevertAsync(HeldRun run, Guid revertedRunId, RunProgress progress, CancellationToken ct)
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
        return new PlannedRun(RevertPlanner.Plan(changes, state));
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private async Task<Snapshot> ReadAsync(HeldRun run, RunProgress progress, CancellationToken ct)
    {
        var reader = readers.FirstOrDefault(r => r.CanRead(run.Claimed))
            ?? throw new SourceReadException($"Source kind '{run.SourceKind}' cannot be read by this Worker.");
        return await reader.ReadAsync(run.Claimed, progress, ct);
    }

    private async Task<SyncSettings> LoadSettingsAsync(Guid districtId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT settings FROM sync_settings WHERE district_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        return await command.ExecuteScalarAsync(ct) is string json
            ? JsonSerializer.Deserialize<SyncSettings>(json, JsonSerializerOptions.Web) ?? SyncSettings.Default
            : SyncSettings.Default;
    }
}
