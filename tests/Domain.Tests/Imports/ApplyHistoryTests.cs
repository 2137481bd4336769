using CsCheck;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Tests.Properties;
using RosterSync.TestSupport;
using Xunit.Abstractions;

namespace RosterSync.Domain.Tests.Imports;

/// <summary>
/// The generative planner tests through the real apply path: each step's plan is written to PostgreSQL by
/// <see cref="PlanApplier"/> in one transaction and the roster read back by <see cref="RosterStateLoader"/>; the invariants
/// are asserted on what the database holds, which must also be exactly what the in-memory fold of the plan says. The last
/// step of each history is then reverted through the database (R24). One database, one district per history.
/// </summary>
public sealed class ApplyHistoryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Histories = 25;
    private TestDatabase _db = null!;
    private int _history;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task R23_R24_random_histories_applied_to_PostgreSQL_keep_every_invariant()
    {
        await DistrictHistories.Histories(maxSteps: 6).SampleAsync(RunAsync, iter: Histories, threads: 1, print: h => h.ToString(),
            writeLine: output.WriteLine);
    }

    [Fact]
    public async Task R2_a_source_id_passing_from_one_person_to_another_in_one_run_is_applied()
    {
        // x holds p1 with p2's email (an earlier duplicate); now p2's row claims x by email and p1 is a new person.
        var districtId = await _db.NewDistrictAsync("History");
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var first = Rules.B.Snap(Rules.B.Student("p1", "p2@x.org"));
        await ApplyAsync(connection, districtId, Planner.Plan(first, RosterState.Empty, SyncSettings.Default));
        var before = await RosterStateLoader.LoadAsync(connection, districtId, default);

        var plan = Planner.Plan(Rules.B.Snap(Rules.B.Student("p1", "p1@x.org"), Rules.B.Student("p2", "p2@x.org")), before, SyncSettings.Default);
        await ApplyAsync(connection, districtId, plan);

        var after = await RosterStateLoader.LoadAsync(connection, districtId, default);
        Assert.Equal(before.People[0].Id, Assert.Single(after.People, p => p.Links.OneRoster == "p2").Id);
        Assert.Equal("p1@x.org", Assert.Single(after.People, p => p.Links.OneRoster == "p1").NormalizedEmail);
    }

    private async Task RunAsync(DistrictHistory history)
    {
        var districtId = await _db.NewDistrictAsync("History");
        var newId = HistoryRunner.Ids(Interlocked.Increment(ref _history));
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var i = 0;
        RosterState before = RosterState.Empty, after = RosterState.Empty;
        Plan plan = new();
        foreach (var (step, snapshot, settings) in HistoryRunner.Snapshots(history))
        {
            before = await RosterStateLoader.LoadAsync(connection, districtId, default);
            var signedIn = HistoryRunner.SignedIn(before, step.SignIns);
            if (signedIn.Count > 0)
            {
                await ExecuteAsync(connection, "UPDATE people SET account_state = 'active' WHERE id = ANY($1)", signedIn.ToArray());
                before = await RosterStateLoader.LoadAsync(connection, districtId, default);
            }
            plan = Planner.Plan(snapshot, before, settings, newId);
            var runId = await ApplyAsync(connection, districtId, plan);
            after = await RosterStateLoader.LoadAsync(connection, districtId, default);
            var journal = await JournalAsync(connection, runId);
            var expected = Rules.B.After(before, plan);
            HistoryRunner.Check(i++, new PlannedStep(snapshot, settings, before, plan, after), s =>
            {
                AssertSameRoster(expected, after);
                PlanInvariants.MatchedIsNeverAbandoned(s);
                PlanInvariants.PresentIsActive(s);
                PlanInvariants.AbsentIsChangedOrKept(s);
                PlanInvariants.SameSnapshotChangesNothing(s, newId);
                Assert.Equal(plan.Changes.Count, journal.Count);
                PlanInvariants.CountsEqualJournal(plan.Counts, journal);
            });
        }
        // R24 through the database: the last run's stored changes are reverted by a plan of their own.
        var revert = RevertPlanner.Plan(await JournalAsync(connection, await LastRunAsync(connection, districtId)), after);
        await ApplyAsync(connection, districtId, revert);
        var reverted = await RosterStateLoader.LoadAsync(connection, districtId, default);
        HistoryRunner.Check(i, new PlannedStep(new() { LinkKind = LinkKinds.OneRoster }, SyncSettings.Default, after, revert, reverted),
            _ => PlanInvariants.AssertRestored(before, reverted, revert.Issues));
    }

    /// <summary>What SyncRunner does for a run: the plan, its changes and issues in one transaction.</summary>
    private async Task<Guid> ApplyAsync(NpgsqlConnection connection, Guid districtId, Plan plan)
    {
        var runId = Guid.CreateVersion7();
        await using (var db = _db.CreateDbContext())
        {
            db.SyncRuns.Add(new SyncRun
            {
                Id = runId, DistrictId = districtId, Status = RunStatus.Succeeded, Trigger = RunTriggers.Upload, SourceKind = SourceKinds.Upload,
                QueuedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        await using var tx = await connection.BeginTransactionAsync();
        var partitions = await PlanApplier.ApplyAsync(connection, districtId, runId, plan, DateTimeOffset.UtcNow, null, default);
        await PlanApplier.RecordAsync(connection, districtId, runId, plan, null, default);
        await partitions.SwapInAsync(connection, default);
        await tx.CommitAsync();
        return runId;
    }

    private static async Task<List<Change>> JournalAsync(NpgsqlConnection connection, Guid runId)
    {
        await using var command = new NpgsqlCommand(
            "SELECT entity, record_id, source_id, action, field, before, after, rule FROM run_changes WHERE run_id = $1 ORDER BY id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = runId });
        await using var reader = await command.ExecuteReaderAsync();
        var changes = new List<Change>();
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        while (await reader.ReadAsync())
            changes.Add(new Change(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), Text(2), reader.GetString(3), Text(4), Text(5),
                Text(6), Text(7)));
        return changes;
    }

    private static async Task<Guid> LastRunAsync(NpgsqlConnection connection, Guid districtId)
    {
        await using var command = new NpgsqlCommand("SELECT id FROM sync_runs WHERE district_id = $1 ORDER BY id DESC LIMIT 1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = districtId });
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, Guid[] ids)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The database holds exactly what the in-memory fold of the plans says (the applier writes the plan, nothing else).</summary>
    private static void AssertSameRoster(RosterState expected, RosterState loaded)
    {
        static void Same<T>(IEnumerable<T> e, IEnumerable<T> l, Func<T, string> canon, string what) =>
            Assert.True(e.Select(canon).Order().SequenceEqual(l.Select(canon).Order()), $"the database's {what} differ from the plan's");
        Same(expected.People, loaded.People, PlanInvariants.Canon, "people");
        Same(expected.Classes, loaded.Classes, PlanInvariants.Canon, "classes");
        Same(expected.Schools, loaded.Schools, s => s.ToString(), "schools");
        Same(expected.Memberships, loaded.Memberships, l => l.ToString(), "memberships");
        Same(expected.Enrollments, loaded.Enrollments, l => l.ToString(), "enrollments");
        Same(expected.GuardianLinks, loaded.GuardianLinks, l => l.ToString(), "guardian links");
    }
}
