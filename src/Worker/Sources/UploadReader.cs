using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;
using RosterSync.Worker.Runs;

namespace RosterSync.Worker.Sources;

/// <summary>Reads the file the Api stored for an upload run, streaming it out of PostgreSQL into a temporary file.</summary>
public sealed class UploadReader(NpgsqlDataSource dataSource) : ISourceReader
{
    public bool CanRead(ClaimedRun run) => run.UploadId is not null;

    public async Task<Snapshot> ReadAsync(ClaimedRun run, IProgress<long> rowsRead, CancellationToken ct)
    {
        var path = Path.GetTempFileName();
        try
        {
            string fileName, kind;
            await using (var command = dataSource.CreateCommand("SELECT file_name, kind, content FROM uploads WHERE id = $1 AND district_id = $2"))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = run.UploadId!.Value });
                command.Parameters.Add(new NpgsqlParameter { Value = run.DistrictId });
                await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
                if (!await reader.ReadAsync(ct)) throw new SourceReadException("The uploaded file of this run no longer exists.");
                fileName = reader.GetString(0);
                kind = reader.GetString(1);
                await using var content = await reader.GetStreamAsync(2, ct);
                await using var file = File.Create(path);
                await content.CopyToAsync(file, ct);
            }
            await using var stream = File.OpenRead(path);
            return await SnapshotReader.ReadUploadAsync(stream, fileName, kind, rowsRead, ct);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
