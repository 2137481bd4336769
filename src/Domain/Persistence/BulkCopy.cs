using Npgsql;
using NpgsqlTypes;

namespace RosterSync.Domain.Persistence;

/// <summary>One column of a binary COPY: its name and a typed writer for a row (no boxing, no per-value await).</summary>
internal sealed record CopyColumn<T>(string Name, Action<NpgsqlBinaryImporter, T> Write)
{
    public static CopyColumn<T> Text(string name, Func<T, string?> value) => new(name, (w, row) =>
    {
        if (value(row) is { } text) w.Write(text, NpgsqlDbType.Text);
        else w.WriteNull();
    });

    public static CopyColumn<T> Uuid(string name, Func<T, Guid> value) => new(name, (w, row) => w.Write(value(row), NpgsqlDbType.Uuid));

    public static CopyColumn<T> Uuid(string name, Func<T, Guid?> value) => new(name, (w, row) =>
    {
        if (value(row) is { } id) w.Write(id, NpgsqlDbType.Uuid);
        else w.WriteNull();
    });

    public static CopyColumn<T> Int(string name, Func<T, int?> value) => new(name, (w, row) =>
    {
        if (value(row) is { } n) w.Write(n, NpgsqlDbType.Integer);
        else w.WriteNull();
    });

    public static CopyColumn<T> Long(string name, Func<T, long?> value) => new(name, (w, row) =>
    {
        if (value(row) is { } n) w.Write(n, NpgsqlDbType.Bigint);
        else w.WriteNull();
    });

    public static CopyColumn<T> Bool(string name, Func<T, bool> value) => new(name, (w, row) => w.Write(value(row), NpgsqlDbType.Boolean));

    public static CopyColumn<T> Date(string name, Func<T, DateOnly?> value) => new(name, (w, row) =>
    {
        if (value(row) is { } date) w.Write(date, NpgsqlDbType.Date);
        else w.WriteNull();
    });

    public static CopyColumn<T> Time(string name, Func<T, DateTimeOffset?> value) => new(name, (w, row) =>
    {
        if (value(row) is { } time) w.Write(time, NpgsqlDbType.TimestampTz);
        else w.WriteNull();
    });

    public static CopyColumn<T> TextArray(string name, Func<T, IReadOnlyList<string>> value) => new(name, (w, row) =>
    {
        var list = value(row);
        w.Write(list as string[] ?? [.. list], NpgsqlDbType.Array | NpgsqlDbType.Text);
    });
}

/// <summary>
/// Binary COPY into a table, and COPY-then-upsert by id: the bulk paths of the applier. Statements run
/// without a command timeout: at district scale one of them can take longer than the 30 s default.
/// </summary>
internal static class BulkCopy
{
    private static readonly TimeSpan CopyTimeout = TimeSpan.FromHours(1);

    /// <summary>Writes <paramref name="rows"/> with one binary COPY; returns how many.</summary>
    public static async Task<long> CopyAsync<T>(
        NpgsqlConnection connection, string table, IReadOnlyList<CopyColumn<T>> columns, IEnumerable<T> rows, ApplyProgress? progress,
        CancellationToken ct)
    {
        var names = string.Join(", ", columns.Select(c => c.Name));
        await using var writer = await connection.BeginBinaryImportAsync($"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)", ct);
        writer.Timeout = CopyTimeout;
        long count = 0;
        foreach (var row in rows)
        {
            // Synchronous writes: they only fill Npgsql's buffer, which is flushed to the socket when full.
            writer.StartRow();
            foreach (var column in columns) column.Write(writer, row);
            if ((++count & 8191) == 0)
            {
                ct.ThrowIfCancellationRequested();
                progress?.Add(8192);
            }
        }
        await writer.CompleteAsync(ct);
        progress?.Add(count & 8191);
        return count;
    }

    /// <summary>
    /// Writes rows into <paramref name="table"/> by its primary key <paramref name="key"/>: new keys are inserted, known keys get
    /// every column except <paramref name="insertOnly"/> and the key. One COPY into a staging table and one statement.
    /// </summary>
    /// <param name="movable">
    /// Uniquely indexed columns whose values may move from one row to another in one write (a person's email or source id,
    /// R2, R3). The index is checked row by row, so rows whose value changes give it up first; then
    /// <paramref name="beforeMerge"/> runs (inserting new rows that may take a released value) and the rows get their final values.
    /// </param>
    public static async Task UpsertAsync<T>(
        NpgsqlConnection connection, string table, IReadOnlyList<CopyColumn<T>> columns, IReadOnlyCollection<T> rows,
        IReadOnlySet<string> insertOnly, ApplyProgress? progress, CancellationToken ct,
        IReadOnlyList<string>? movable = null, Func<Task>? beforeMerge = null, string key = "id")
    {
        if (rows.Count == 0)
        {
            if (beforeMerge is not null) await beforeMerge();
            return;
        }
        var staging = $"staging_{table}";
        await ExecuteAsync(connection, $"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table}) ON COMMIT DROP; TRUNCATE {staging}", ct);
        await CopyAsync(connection, staging, columns, rows, progress, ct);
        if (movable is { Count: > 0 })
        {
            var release = string.Join(", ", movable.Select(c => $"{c} = CASE WHEN t.{c} IS DISTINCT FROM s.{c} THEN NULL ELSE t.{c} END"));
            var changed = string.Join(" OR ", movable.Select(c => $"t.{c} IS DISTINCT FROM s.{c}"));
            await ExecuteAsync(connection, $"UPDATE {table} t SET {release} FROM {staging} s WHERE t.id = s.id AND ({changed})", ct);
        }
        if (beforeMerge is not null) await beforeMerge();
        var names = string.Join(", ", columns.Select(c => c.Name));
        var keys = key.Split(", ");
        var updates = string.Join(", ", columns.Where(c => !keys.Contains(c.Name) && !insertOnly.Contains(c.Name)).Select(c => $"{c.Name} = EXCLUDED.{c.Name}"));
        await ExecuteAsync(connection,
            $"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} ON CONFLICT ({key}) DO UPDATE SET {updates}", ct);
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Rows written so far, reported to the run's progress every few thousand rows.</summary>
public sealed class ApplyProgress(IProgress<long>? progress)
{
    private long _written;

    public long Written => _written;

    internal void Add(long rows)
    {
        _written += rows;
        progress?.Report(_written);
    }
}
