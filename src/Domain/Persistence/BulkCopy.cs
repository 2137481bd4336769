using Npgsql;
using NpgsqlTypes;

namespace RosterSync.Domain.Persistence;

/// <summary>One column of a binary COPY: its name, PostgreSQL type and how to read it from a row.</summary>
internal sealed record CopyColumn<T>(string Name, NpgsqlDbType Type, Func<T, object?> Value);

/// <summary>Binary COPY into a table, and COPY-then-upsert by id: the bulk paths of the applier.</summary>
internal static class BulkCopy
{
    public static async Task CopyAsync<T>(
        NpgsqlConnection connection, string table, IReadOnlyList<CopyColumn<T>> columns, IEnumerable<T> rows, CancellationToken ct)
    {
        var names = string.Join(", ", columns.Select(c => c.Name));
        await using var writer = await connection.BeginBinaryImportAsync($"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(ct);
            foreach (var column in columns)
            {
                if (column.Value(row) is { } value) await writer.WriteAsync(value, column.Type, ct);
                else await writer.WriteNullAsync(ct);
            }
        }
        await writer.CompleteAsync(ct);
    }

    /// <summary>
    /// Writes rows into <paramref name="table"/> by primary key id: new ids are inserted, known ids get
    /// every column except <paramref name="insertOnly"/>. One COPY and one statement, whatever the row count.
    /// </summary>
    public static async Task UpsertAsync<T>(
        NpgsqlConnection connection, string table, IReadOnlyList<CopyColumn<T>> columns, IReadOnlyCollection<T> rows,
        IReadOnlySet<string> insertOnly, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        var staging = $"staging_{table}";
        await ExecuteAsync(connection, $"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table}) ON COMMIT DROP; TRUNCATE {staging}", ct);
        await CopyAsync(connection, staging, columns, rows, ct);
        var names = string.Join(", ", columns.Select(c => c.Name));
        var updates = string.Join(", ", columns.Where(c => c.Name != "id" && !insertOnly.Contains(c.Name)).Select(c => $"{c.Name} = EXCLUDED.{c.Name}"));
        await ExecuteAsync(connection,
            $"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} ON CONFLICT (id) DO UPDATE SET {updates}", ct);
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
