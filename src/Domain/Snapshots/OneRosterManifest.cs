using System.IO.Compression;

namespace RosterSync.Domain.Snapshots;

/// <summary>What a OneRoster package's manifest says about it, read without reading the package's data.</summary>
public static class OneRosterManifest
{
    /// <summary>A manifest larger than this is not a manifest; the package then counts as not delta.</summary>
    private const long MaxManifestBytes = 1 << 20;

    /// <summary>
    /// True when the zip's manifest.csv declares at least one file <c>delta</c>. A stream that is not a zip, or a
    /// zip without a manifest, is not a delta package (a bulk or simple-CSV upload). Reads only the central
    /// directory and the manifest entry, so a seekable remote file costs a few small reads.
    /// </summary>
    public static bool IsDeltaPackage(Stream seekableZip)
    {
        ArgumentNullException.ThrowIfNull(seekableZip);
        try
        {
            using var zip = new ZipArchive(seekableZip, ZipArchiveMode.Read, leaveOpen: true);
            var manifest = zip.Entries.FirstOrDefault(e => string.Equals(e.FullName, "manifest.csv", StringComparison.OrdinalIgnoreCase));
            if (manifest is null || manifest.Length > MaxManifestBytes) return false;
            using var csv = new CsvRowReader(manifest.Open());
            while (csv.TryRead(out var row))
            {
                if (row.Fields.Length >= 2 && row.Fields[0].Trim().StartsWith("file.", StringComparison.OrdinalIgnoreCase)
                    && string.Equals(row.Fields[1].Trim(), "delta", StringComparison.OrdinalIgnoreCase))
                    return true;
            }
            return false;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }
}
