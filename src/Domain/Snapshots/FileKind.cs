namespace RosterSync.Domain.Snapshots;

/// <summary>What <see cref="SnapshotReader.Sniff"/> tells from a file's first bytes.</summary>
public enum FileKind
{
    Empty,
    Zip,
    /// <summary>Text (a CSV): UTF-8, Windows-1252 or UTF-16 with a BOM (R26).</summary>
    Text,
    Other,
}
