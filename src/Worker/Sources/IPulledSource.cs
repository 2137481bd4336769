using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources;

/// <summary>A source the Worker pulls (Clever, ClassLink, OneRoster over SFTP), read whole into one snapshot.</summary>
public interface IPulledSource
{
    /// <summary>The <see cref="SourceKinds"/> value this source serves.</summary>
    string Kind { get; }

    /// <summary>What is missing or not allowed in the settings, found before anything is called; null when they will do.</summary>
    string? CheckSettings(SourceSettings source, IReadOnlyDictionary<string, string> secrets, SourcesOptions sources);

    /// <summary>Reads everything, or throws <see cref="SourceReadException"/> (R22: a partial read applies nothing).</summary>
    Task<Snapshot> ReadAsync(SourceRequest request, CancellationToken ct);
}

/// <summary>One read of a district's configured source, with the secrets decrypted for this read only.</summary>
/// <param name="RunId">The run reading; null for a test read, which must leave no trace (e.g. no SFTP file taken).</param>
/// <param name="Progress">Records read so far.</param>
public sealed record SourceRequest(
    Guid DistrictId, Guid? RunId, SourceSettings Source, IReadOnlyDictionary<string, string> Secrets, IProgress<long> Progress)
{
    /// <summary>Names the district's source for its circuit breaker.</summary>
    public string CircuitKey => $"{Source.Kind}:{DistrictId}";

    public string? Secret(string name) => Secrets.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    /// <summary>Never shows the secrets.</summary>
    public override string ToString() => $"{Source.Kind} source of district {DistrictId}";
}
