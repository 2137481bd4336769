using Npgsql;
using NpgsqlTypes;

namespace RosterSync.Bench.Generator;

/// <summary>
/// Queues an upload run the way the Api does (an uploads row, then a queued sync_runs row with no
/// published_at), so the Worker's dispatcher publishes it. The zip is streamed, never held in memory.
/// queued_at is stamped after the upload is stored: the benchmark times the run, not the upload.
/// </summary>
internal static class RunQueue
{
    public static async Task<int> QueueAsync(Options o)
    {
        var district = Guid.Parse(o.Required("district"));
        var zip = o.Required("zip");
        await using var dataSource = NpgsqlDataSource.Create(o.Required("connection"));
        var uploadId = Guid.CreateVersion7();
        await using (var file = File.OpenRead(zip))
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO uploads (id, district_id, file_name, kind, size, content, created_at)
            VALUES ($1, $2, $3, 'roster', $4, $5, now())
            """))
        {
            insert.CommandTimeout = 600;
            insert.Parameters.Add(new NpgsqlParameter { Value = uploadId });
            insert.Parameters.Add(new NpgsqlParameter { Value = district });
            insert.Parameters.Add(new NpgsqlParameter { Value = Path.GetFileName(zip) });
            insert.Parameters.Add(new NpgsqlParameter { Value = file.Length });
            insert.Parameters.Add(new NpgsqlParameter { Value = file, NpgsqlDbType = NpgsqlDbType.Bytea });
            await insert.ExecuteNonQueryAsync();
        }

        var runId = Guid.CreateVersion7();
        await using (var run = dataSource.CreateCommand("""
            INSERT INTO sync_runs (id, district_id, status, trigger, dry_run, source_kind, upload_id, processed, total, counts,
                                   issue_count, approved, queued_at, published_at)
            VALUES ($1, $2, 'queued', 'upload', false, 'upload', $3, 0, 0, '{}', 0, false, clock_timestamp(), NULL)
            """))
        {
            run.Parameters.Add(new NpgsqlParameter { Value = runId });
            run.Parameters.Add(new NpgsqlParameter { Value = district });
            run.Parameters.Add(new NpgsqlParameter { Value = uploadId });
            await run.ExecuteNonQueryAsync();
        }

        Console.WriteLine(runId);
        return 0;
    }
}
