using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using System.Text.RegularExpressions;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.TestSupport;

namespace RosterSync.Domain.Tests.Imports;

/// <summary>
/// Issue 12: the link tables are partitioned by district, and a district's first import builds its link partitions as
/// standalone tables and swaps them in (<see cref="LinkPartitionBuild"/>). What that leaves must be what the normal path
/// leaves: the same rows, keys, indexes and constraints, attached to the parent's. On the real PostgreSQL.
/// </summary>
public sealed partial class LinkPartitionTests : IAsyncLifetime
{
    private static readonly string[] Tables = ["memberships", "enrollments", "guardian_links"];
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Issue12_a_bulk_built_first_import_leaves_the_rows_indexes_and_constraints_of_the_normal_path()
    {
        var (bulk, normal) = (await _db.NewDistrictAsync("Partitions"), await _db.NewDistrictAsync("Partitions"));
        await using var connection = await _db.DataSource.OpenConnectionAsync();

        Assert.Equal(3, await FirstImportAsync(connection, bulk));
        // A partition that is not empty when the apply starts takes the normal path: a placeholder row, removed before commit.
        Assert.Equal(0, await FirstImportAsync(connection, normal, beforeApply: () => PlaceholdersAsync(connection, normal, Tables),
            beforeSwap: () => Execute(connection, """
                DELETE FROM memberships WHERE district_id = $1 AND role = 'placeholder';
                DELETE FROM enrollments WHERE district_id = $1 AND role = 'placeholder';
                DELETE FROM guardian_links WHERE district_id = $1 AND relationship = 'placeholder'
                """, normal)));

        foreach (var table in Tables)
        {
            Assert.NotEmpty(await RowsAsync(connection, table, bulk));
            Assert.Equal(await RowsAsync(connection, table, normal), await RowsAsync(connection, table, bulk));
            var structure = await StructureAsync(connection, table, bulk);
            Assert.Equal(await StructureAsync(connection, table, normal), structure);
            Assert.Contains(structure, s => s.StartsWith($"partition of {table} ", StringComparison.Ordinal));
            Assert.DoesNotContain(structure, s => s.Contains("(not attached)", StringComparison.Ordinal));
            Assert.Equal(3, structure.Count(s => s.StartsWith("index ", StringComparison.Ordinal))); // the key, the unique index, one more
        }
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM pg_tables WHERE schemaname = '{LinkPartitionBuild.Schema}'"));
        // And a re-sync of the bulk-built district writes into its partitions the normal way.
        var state = await RosterStateLoader.LoadAsync(connection, bulk, default);
        var again = Planner.Plan(Bundle(extraStudent: true), state, SyncSettings.Default);
        Assert.Equal(0, await ApplyAsync(connection, bulk, again));
        Assert.Equal(5, (await RosterStateLoader.LoadAsync(connection, bulk, default)).Enrollments.Count(e => !e.Ended));
    }

    [Fact]
    public async Task Issue12_a_first_import_leaves_another_district_untouched_and_readable_while_it_builds()
    {
        var (other, district) = (await _db.NewDistrictAsync("Partitions"), await _db.NewDistrictAsync("Partitions"));
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using var reader = await _db.DataSource.OpenConnectionAsync();
        await FirstImportAsync(connection, other);
        var before = await EachTableAsync(t => RowsAsync(reader, t, other));

        List<string>[] duringBuild = [];
        Assert.Equal(3, await FirstImportAsync(connection, district, beforeSwap: async () => duringBuild = await EachTableAsync(t => RowsAsync(reader, t, other))));

        Assert.Equal(before, duringBuild);
        Assert.Equal(before, await EachTableAsync(t => RowsAsync(reader, t, other)));
        Assert.Equal(await RowsAsync(reader, "enrollments", other), await RowsAsync(reader, "enrollments", district));
    }

    [Fact]
    public async Task Issue12_a_partition_filled_during_the_build_gets_the_rows_the_normal_way()
    {
        var (reference, district) = (await _db.NewDistrictAsync("Partitions"), await _db.NewDistrictAsync("Partitions"));
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using var api = await _db.DataSource.OpenConnectionAsync();
        await FirstImportAsync(connection, reference);

        // The Api links something in the district while its first import builds: the swap finds the partition not empty.
        Assert.Equal(2, await FirstImportAsync(connection, district, beforeSwap: () => PlaceholdersAsync(api, district, "enrollments")));

        Assert.Equal(await RowsAsync(connection, "enrollments", reference), await RowsAsync(connection, "enrollments", district));
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM enrollments WHERE district_id = $1 AND role = 'placeholder'", district));
        Assert.Equal(await StructureAsync(connection, "enrollments", reference), await StructureAsync(connection, "enrollments", district));
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM pg_tables WHERE schemaname = '{LinkPartitionBuild.Schema}'"));
    }

    [Fact]
    public async Task Issue12_a_swap_that_cannot_lock_the_parent_in_time_inserts_the_rows_the_normal_way()
    {
        var (reference, district) = (await _db.NewDistrictAsync("Partitions"), await _db.NewDistrictAsync("Partitions"));
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await FirstImportAsync(connection, reference);
        await using var reader = await _db.DataSource.OpenConnectionAsync();
        await using (var readerTx = await reader.BeginTransactionAsync())
        {
            // A long transaction reading another district's enrollments holds the parent's lock that DETACH waits for.
            await ScalarAsync(reader, "SELECT count(*) FROM enrollments WHERE district_id = $1", reference);

            Assert.Equal(2, await FirstImportAsync(connection, district));
        }

        Assert.Equal(await RowsAsync(connection, "enrollments", reference), await RowsAsync(connection, "enrollments", district));
        Assert.Equal(await StructureAsync(connection, "enrollments", reference), await StructureAsync(connection, "enrollments", district));
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM pg_tables WHERE schemaname = '{LinkPartitionBuild.Schema}'"));
    }

    [Fact]
    public async Task Issue12_a_swap_that_cannot_lock_the_district_partition_in_time_fails_and_applies_nothing()
    {
        var district = await _db.NewDistrictAsync("Partitions");
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using var api = await _db.DataSource.OpenConnectionAsync();
        await using var apiTx = await api.BeginTransactionAsync();
        // An Api write in the district, not yet committed: the swap's lock on the partition waits for it.
        await PlaceholdersAsync(api, district, "enrollments");

        var error = await Assert.ThrowsAsync<PostgresException>(() => FirstImportAsync(connection, district));

        Assert.Equal(PostgresErrorCodes.LockNotAvailable, error.SqlState);
        await apiTx.RollbackAsync();
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM people WHERE district_id = $1", district));
        foreach (var table in Tables)
            Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM {table} WHERE district_id = $1", district));
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM pg_tables WHERE schemaname = '{LinkPartitionBuild.Schema}'"));
    }

    [Fact]
    public async Task Issue12_the_partitioning_migration_keeps_every_link_and_makes_partitions_for_new_districts()
    {
        await using var empty = await TestDatabase.CreateEmptyAsync();
        await using var db = new RosterDbContext(new DbContextOptionsBuilder<RosterDbContext>().UseNpgsql(empty.DataSource).Options);
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync("20261205113633_EventRetentionWatermark");
        var district = Guid.NewGuid();
        await using var connection = await empty.DataSource.OpenConnectionAsync();
        await Execute(connection, "INSERT INTO districts (id, name, created_at) VALUES ($1, 'Old', now())", district);
        await Execute(connection, """
            INSERT INTO memberships (id, district_id, person_id, school_id, role, origin, created_at)
                SELECT gen_random_uuid(), $1, gen_random_uuid(), gen_random_uuid(), 'student', 'synced', now() FROM generate_series(1, 20);
            INSERT INTO enrollments (id, district_id, class_id, person_id, role, origin, created_at, ended_at)
                SELECT gen_random_uuid(), $1, gen_random_uuid(), gen_random_uuid(), 'student', 'manual', now(), CASE WHEN n % 2 = 0 THEN now() END
                FROM generate_series(1, 30) AS n;
            INSERT INTO guardian_links (id, district_id, guardian_id, student_id, relationship, origin, created_at)
                SELECT gen_random_uuid(), $1, gen_random_uuid(), gen_random_uuid(), 'parent', 'synced', now() FROM generate_series(1, 10);
            """, district);
        var before = await EachTableAsync(t => AllRowsAsync(connection, t));

        await migrator.MigrateAsync();

        Assert.Equal(before, await EachTableAsync(t => AllRowsAsync(connection, t)));
        foreach (var table in Tables)
        {
            Assert.Equal($"{table}_d{district:N}", await ScalarAsync(connection, $"SELECT tableoid::regclass::text FROM {table} LIMIT 1"));
        }
        var created = Guid.NewGuid();
        db.Districts.Add(new District { Id = created, Name = "New", CreatedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        Assert.Equal(6L, await ScalarAsync(connection, "SELECT count(*) FROM pg_inherits WHERE inhparent IN ('memberships'::regclass, 'enrollments'::regclass, 'guardian_links'::regclass)"));
    }

    /// <summary>Schools, two classes, students, a teacher and a guardian: memberships, enrollments and guardian links.</summary>
    private static Snapshot Bundle(bool extraStudent = false)
    {
        List<SourcePerson> people =
            [Rules.B.Student("s1", "s1@x.org"), Rules.B.Student("s2", "s2@x.org"), Rules.B.Teacher("t1", "t1@x.org"), Rules.B.Guardian("g1", "g1@x.org")];
        if (extraStudent) people.Add(Rules.B.Student("s3", "s3@x.org"));
        var students = people.Where(p => p.Roles.Contains(Roles.Student)).Select(p => p.SourceId).ToList();
        return Rules.B.Snap(people, [Rules.B.Class("c1"), Rules.B.Class("c2", "Biology")],
            [.. students.Select(s => Rules.B.Enroll("c1", s)), Rules.B.Enroll("c2", "s1"), Rules.B.Enroll("c1", "t1", EnrollmentRoles.Teacher)],
            [Rules.B.Link("g1", "s1", "parent"), Rules.B.Link("g1", "s2")]);
    }

    /// <summary>Plans the district's first import and applies it as the Worker does; returns how many link partitions were swapped in.</summary>
    private static Task<int> FirstImportAsync(NpgsqlConnection connection, Guid district, Func<Task>? beforeApply = null, Func<Task>? beforeSwap = null) =>
        ApplyAsync(connection, district, Planner.Plan(Bundle(), RosterState.Empty, SyncSettings.Default), beforeApply, beforeSwap);

    private static async Task<int> ApplyAsync(NpgsqlConnection connection, Guid district, Plan plan, Func<Task>? beforeApply = null, Func<Task>? beforeSwap = null)
    {
        await using var tx = await connection.BeginTransactionAsync();
        if (beforeApply is not null) await beforeApply();
        var partitions = await PlanApplier.ApplyAsync(connection, district, Guid.CreateVersion7(), plan, DateTimeOffset.UtcNow, null, default);
        if (beforeSwap is not null) await beforeSwap();
        var swapped = await partitions.SwapInAsync(connection, default);
        await tx.CommitAsync();
        return swapped;
    }

    /// <summary>A link in each table naming no record (the link tables have no foreign keys), so the partition is not empty.</summary>
    private static async Task PlaceholdersAsync(NpgsqlConnection connection, Guid district, params string[] tables)
    {
        foreach (var table in tables)
        {
            var columns = table switch
            {
                "memberships" => "person_id, school_id, role",
                "enrollments" => "person_id, class_id, role",
                _ => "guardian_id, student_id, relationship",
            };
            await Execute(connection, $"INSERT INTO {table} (id, district_id, {columns}, origin, created_at) " +
                "VALUES (gen_random_uuid(), $1, gen_random_uuid(), gen_random_uuid(), 'placeholder', 'manual', now())", district);
        }
    }

    /// <summary>A district's links by the source ids they join (record ids differ between districts), placeholders left out.</summary>
    private static Task<List<string>> RowsAsync(NpgsqlConnection connection, string table, Guid district)
    {
        var (person, target, targetTable, role) = table switch
        {
            "memberships" => ("person_id", "school_id", "schools", "role"),
            "enrollments" => ("person_id", "class_id", "classes", "role"),
            _ => ("guardian_id", "student_id", "people", "relationship"),
        };
        return ListAsync(connection, $"""
            SELECT concat_ws(' ', p.one_roster_id, t.one_roster_id, l.{role}, l.origin, l.ended_at IS NULL, l.ended_by_run_id IS NULL)
            FROM {table} AS l JOIN people AS p ON p.id = l.{person} JOIN {targetTable} AS t ON t.id = l.{target}
            WHERE l.district_id = $1 ORDER BY 1
            """, district);
    }

    private static async Task<List<string>[]> EachTableAsync(Func<string, Task<List<string>>> read)
    {
        var results = new List<List<string>>();
        foreach (var table in Tables) results.Add(await read(table));
        return [.. results];
    }

    private static Task<List<string>> AllRowsAsync(NpgsqlConnection connection, string table) =>
        ListAsync(connection, $"SELECT t::text FROM {table} AS t ORDER BY t.id");

    /// <summary>
    /// The district's partition as the catalog describes it, with the district's id masked in names (to the length PostgreSQL cut
    /// it to): columns, constraints, indexes with the parent index each is attached to, and the partition bound.
    /// </summary>
    private static async Task<List<string>> StructureAsync(NpgsqlConnection connection, string table, Guid district) =>
        [.. (await ListAsync(connection, $"""
        WITH part AS (SELECT '{LinkPartitionBuild.PartitionName(table, district)}'::regclass AS oid)
        SELECT 'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        FROM part JOIN pg_attribute AS a ON a.attrelid = part.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        UNION ALL
        SELECT 'constraint ' || c.conname || ' ' || pg_get_constraintdef(c.oid) || ' inherited ' || c.coninhcount
        FROM part JOIN pg_constraint AS c ON c.conrelid = part.oid
        UNION ALL
        SELECT 'index ' || ic.relname || ' ' || pg_get_indexdef(i.indexrelid) || ' valid ' || i.indisvalid
               || ' -> ' || coalesce(parent.relname, '(not attached)')
        FROM part JOIN pg_index AS i ON i.indrelid = part.oid JOIN pg_class AS ic ON ic.oid = i.indexrelid
        LEFT JOIN pg_inherits AS h ON h.inhrelid = i.indexrelid LEFT JOIN pg_class AS parent ON parent.oid = h.inhparent
        UNION ALL
        SELECT 'partition of ' || h.inhparent::regclass || ' ' || replace(pg_get_expr(c.relpartbound, c.oid), $1::text, '') || ' ' || c.relpersistence::text
        FROM part JOIN pg_class AS c ON c.oid = part.oid JOIN pg_inherits AS h ON h.inhrelid = c.oid
        """, district)).Select(s => DistrictHex().Replace(s, m => "_d" + new string('x', m.Length - 2))).Order(StringComparer.Ordinal)];

    [GeneratedRegex("_d[0-9a-f]+")]
    private static partial Regex DistrictHex();

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    /// <summary>Runs each statement of <paramref name="sql"/> (one per line ending in ';') with the same parameters.</summary>
    private static async Task Execute(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        foreach (var statement in sql.Split(";\n"))
        {
            await using var command = Command(connection, statement, parameters);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }
}
