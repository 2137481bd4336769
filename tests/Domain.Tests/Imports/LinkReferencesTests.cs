using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.TestSupport;

namespace RosterSync.Domain.Tests.Imports;

/// <summary>
/// The link tables have no foreign keys; the applier checks every reference a plan's links make, set-based, and within the
/// run's district (R23: a plan that names a record outside the district applies nothing). On the real PostgreSQL.
/// </summary>
public sealed class LinkReferencesTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task R23_links_to_records_written_by_the_same_plan_or_already_in_the_district_are_applied()
    {
        var district = await _db.NewDistrictAsync("Links");
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        var first = Planner.Plan(Bundle(Rules.B.Student("s1", "s1@x.org")), RosterState.Empty, SyncSettings.Default);
        await ApplyAsync(connection, district, first);
        var state = await RosterStateLoader.LoadAsync(connection, district, default);

        // s2 is new (a reference resolved in the plan) and is enrolled in c1, which is already in the database.
        var second = Planner.Plan(Bundle(Rules.B.Student("s1", "s1@x.org"), Rules.B.Student("s2", "s2@x.org")), state, SyncSettings.Default);
        await ApplyAsync(connection, district, second);

        var after = await RosterStateLoader.LoadAsync(connection, district, default);
        Assert.Equal(2, after.Enrollments.Count(e => e.Ended == false));
    }

    [Fact]
    public async Task R23_a_link_naming_a_person_of_another_district_applies_nothing()
    {
        var (district, other) = (await _db.NewDistrictAsync("Links"), await _db.NewDistrictAsync("Links"));
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await ApplyAsync(connection, district, Planner.Plan(Bundle(Rules.B.Student("s1", "s1@x.org")), RosterState.Empty, SyncSettings.Default));
        await ApplyAsync(connection, other, Planner.Plan(Bundle(Rules.B.Student("s9", "s9@x.org")), RosterState.Empty, SyncSettings.Default));
        var state = await RosterStateLoader.LoadAsync(connection, district, default);
        var stranger = (await RosterStateLoader.LoadAsync(connection, other, default)).People.Single();

        var plan = new Plan();
        plan.Enrollments.Add(new LinkRecord
        {
            Id = Guid.CreateVersion7(), PersonId = stranger.Id, TargetId = state.Classes.Single().Id, Role = EnrollmentRoles.Student, Origin = Origins.Synced,
        });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ApplyAsync(connection, district, plan));

        Assert.Contains(stranger.Id.ToString(), error.Message);
        Assert.Equal(state.Enrollments.Count, (await RosterStateLoader.LoadAsync(connection, district, default)).Enrollments.Count);
    }

    [Fact]
    public async Task R23_a_link_naming_a_class_that_does_not_exist_applies_nothing()
    {
        var district = await _db.NewDistrictAsync("Links");
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await ApplyAsync(connection, district, Planner.Plan(Bundle(Rules.B.Student("s1", "s1@x.org")), RosterState.Empty, SyncSettings.Default));
        var state = await RosterStateLoader.LoadAsync(connection, district, default);

        var plan = new Plan();
        plan.Memberships.Add(new LinkRecord
        {
            Id = Guid.CreateVersion7(), PersonId = state.People.Single().Id, TargetId = Guid.CreateVersion7(), Role = Roles.Student, Origin = Origins.Synced,
        });
        await Assert.ThrowsAsync<InvalidOperationException>(() => ApplyAsync(connection, district, plan));
        Assert.Equal(state.Memberships.Count, (await RosterStateLoader.LoadAsync(connection, district, default)).Memberships.Count);
    }

    private static Snapshot Bundle(params SourcePerson[] students) =>
        Rules.B.Snap(students, [Rules.B.Class("c1")], students.Select(s => Rules.B.Enroll("c1", s.SourceId)));

    private static async Task ApplyAsync(NpgsqlConnection connection, Guid districtId, Plan plan)
    {
        await using var tx = await connection.BeginTransactionAsync();
        var partitions = await PlanApplier.ApplyAsync(connection, districtId, Guid.CreateVersion7(), plan, DateTimeOffset.UtcNow, null, default);
        await partitions.SwapInAsync(connection, default);
        await tx.CommitAsync();
    }
}
