using RosterSync.Domain.Snapshots;
using RosterSync.Domain.Model;

namespace RosterSync.Worker.Sources;

/// <summary>Reads one kind of source completely into a snapshot, or throws (R22: a partial read applies nothing).</summary>
public interface ISourceReader
{
    /// <summary>The run source kinds this reader serves: a SourceKinds value, or "upload".</summary>
    bool CanRead(ClaimedRun run);

    Task<Snapshot> ReadAsync(ClaimedRun run, IProgress<long> rowsRead, CancellationToken ct);
}
