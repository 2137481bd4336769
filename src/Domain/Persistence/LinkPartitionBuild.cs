using Npgsql;
using RosterSync.Domain.Reconciliation;

namespace RosterSync.Domain.Persistence;

/// <summary>
/// Issue 12: a district's first import of a link table, built as a standalone table and swapped in as the district's partition.
/// Row by row, the partition's B-tree indexes cost PostgreSQL more than the rows (docs/benchmarks.md); here the rows are copied
/// into a bare table, its indexes built once after, and the table attached in place of the district's empty partition. The
/// rows, keys and index names end up as the normal path leaves them: the table is built in schema
/// <see cref="Schema"/> under the partition's own name, so PostgreSQL names its indexes as it names the trigger's.
/// </summary>
internal sealed class LinkPartitionBuild
{
    /// <summary>Where partitions are built before they are swapped in (made by migration DistrictPartitionsForLinks).</summary>
    public const string Schema = "link_partition_builds";

    /// <summary>
    /// How long the swap waits for a lock. For the parent (which every transaction writing or reading links of any district holds
    /// until it ends; while the swap waits, new readers queue behind it): the rows are then inserted into the partition the
    /// normal way. For the district's own partition (an Api write of this district): the statement fails with
    /// lock_not_available, the apply transaction rolls back whole (R23), and the run fails retryable.
    /// </summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(5);

    private readonly string _table;
    private readonly Guid _districtId;
    private readonly string _partition;
    private string _parentSchema = "public";

    private LinkPartitionBuild(string table, Guid districtId)
    {
        _table = table;
        _districtId = districtId;
        _partition = PartitionName(table, districtId);
    }

    /// <summary>The district's partition of a link table, as the districts trigger names it.</summary>
    public static string PartitionName(string table, Guid districtId) => $"{table}_d{districtId:N}";

    private string Built => $"{Schema}.{_partition}";

    /// <summary>
    /// The one place that decides: a table's links are bulk-built when the plan only creates them and the district's partition is
    /// empty (a first import, or the first links of their kind). Null: write them the normal way.
    /// </summary>
    public static async Task<LinkPartitionBuild?> StartAsync(
        NpgsqlConnection connection, string table, Guid districtId, LinkList links, CancellationToken ct)
    {
        for (var i = 0; i < links.Count; i++)
        {
            if (!links.Created(i)) return null;
        }
        var build = new LinkPartitionBuild(table, districtId);
        return links.Count > 0 && await build.PartitionIsEmptyAsync(connection, ct) ? build : null;
    }

    /// <summary>Copies the rows into a bare table, then builds the parent's keys and indexes on it and the partition's bound.</summary>
    public async Task LoadAsync<T>(
        NpgsqlConnection connection, IReadOnlyList<CopyColumn<T>> columns, IEnumerable<T> rows, ApplyProgress? progress, CancellationToken ct)
    {
        // LIKE the district's partition, not the parent: a lock on the parent held until commit would stall another district's swap.
        await BulkCopy.ExecuteAsync(connection, $"CREATE TABLE {Built} (LIKE {_partition} INCLUDING DEFAULTS)", ct);
        await BulkCopy.CopyAsync(connection, Built, columns, rows, progress, ct);
        // Sorting for an index build is the part that needs memory; the setting ends with the transaction.
        await BulkCopy.ExecuteAsync(connection, "SET LOCAL maintenance_work_mem = '256MB'", ct);
        foreach (var statement in await IndexStatementsAsync(connection, ct)) await BulkCopy.ExecuteAsync(connection, statement, ct);
        // The partition's bound, proven by the rows: ATTACH then need not scan them.
        await BulkCopy.ExecuteAsync(connection, $"ALTER TABLE {Built} ADD CONSTRAINT bound CHECK (district_id = '{_districtId}')", ct);
    }

    /// <summary>
    /// The last step of the apply transaction: swaps the built table in for the district's empty partition. Returns false when the
    /// partition is no longer empty (the Api linked something meanwhile) or the parent could not be locked in time: the rows are
    /// then inserted into the partition, the normal way.
    /// </summary>
    /// <exception cref="PostgresException">lock_not_available: the district's partition was not locked within <see cref="LockTimeout"/>.</exception>
    public async Task<bool> SwapInAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await BulkCopy.ExecuteAsync(connection, $"SET LOCAL lock_timeout = '{(int)LockTimeout.TotalMilliseconds}ms'", ct);
        // The partition first (only this district's writers wait), then whether it is still empty.
        await BulkCopy.ExecuteAsync(connection, $"LOCK TABLE {_partition} IN ACCESS EXCLUSIVE MODE", ct);
        var swapped = await PartitionIsEmptyAsync(connection, ct) && await TrySwapAsync(connection, ct);
        if (!swapped) await BulkCopy.ExecuteAsync(connection, $"INSERT INTO {_partition} SELECT * FROM {Built}; DROP TABLE {Built}", ct);
        await BulkCopy.ExecuteAsync(connection, "SET LOCAL lock_timeout = DEFAULT", ct);
        return swapped;
    }

    /// <summary>DETACH locks the parent against every district until commit: that is why this is the transaction's last step.</summary>
    private async Task<bool> TrySwapAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await BulkCopy.ExecuteAsync(connection, "SAVEPOINT link_partition_swap", ct);
        try
        {
            await BulkCopy.ExecuteAsync(connection, $"ALTER TABLE {_table} DETACH PARTITION {_partition}", ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await BulkCopy.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT link_partition_swap", ct);
            return false;
        }
        await BulkCopy.ExecuteAsync(connection, $"""
            RELEASE SAVEPOINT link_partition_swap;
            DROP TABLE {_partition};
            ALTER TABLE {Built} SET SCHEMA {_parentSchema};
            ALTER TABLE {_table} ATTACH PARTITION {_partition} FOR VALUES IN ('{_districtId}');
            ALTER TABLE {_partition} DROP CONSTRAINT bound
            """, ct);
        return true;
    }

    private async Task<bool> PartitionIsEmptyAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT NOT EXISTS (SELECT 1 FROM {_partition})", connection);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The parent's primary key and indexes, as statements for the built table, in the order PostgreSQL clones them onto a new
    /// partition (by index oid). Read from the catalog, so the migration stays the one place that defines them.
    /// </summary>
    private async Task<List<string>> IndexStatementsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT i.indisprimary, i.indisunique, n.nspname,
                   array(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)
            FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE i.indrelid = $1::regclass ORDER BY i.indexrelid
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = _table });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var statements = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            _parentSchema = reader.GetString(2);
            var columns = string.Join(", ", reader.GetFieldValue<string[]>(3));
            statements.Add(reader.GetBoolean(0) ? $"ALTER TABLE {Built} ADD PRIMARY KEY ({columns})"
                : $"CREATE {(reader.GetBoolean(1) ? "UNIQUE " : "")}INDEX ON {Built} ({columns})");
        }
        return statements;
    }
}

/// <summary>The link tables a plan's apply built as standalone tables; swapped in as the apply transaction's last step.</summary>
public sealed class PendingPartitions
{
    private readonly List<LinkPartitionBuild> _builds = [];

    internal void Add(LinkPartitionBuild build) => _builds.Add(build);

    /// <summary>How many tables were bulk-built.</summary>
    public int Count => _builds.Count;

    /// <summary>
    /// Call right before commit. Returns how many were swapped in; the rest were inserted into their partitions (one filled
    /// meanwhile, or its parent was not locked within <see cref="LinkPartitionBuild.LockTimeout"/>).
    /// </summary>
    /// <exception cref="PostgresException">lock_not_available (55P03): a district partition was not locked in time.</exception>
    public async Task<int> SwapInAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var swapped = 0;
        foreach (var build in _builds)
        {
            if (await build.SwapInAsync(connection, ct)) swapped++;
        }
        return swapped;
    }
}
