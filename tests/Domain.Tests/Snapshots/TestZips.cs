using System.IO.Compression;
using System.Text;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Tests.Snapshots;

/// <summary>Builds zips in memory, so loose sample folders and synthetic files read like uploads.</summary>
internal static class TestZips
{
    public static MemoryStream FromFolder(string folder, Func<string, string>? rename = null) =>
        FromBytes([.. Directory.GetFiles(folder, "*.csv").Order(StringComparer.Ordinal)
            .Select(path => (rename?.Invoke(Path.GetFileName(path)) ?? Path.GetFileName(path), File.ReadAllBytes(path)))]);

    public static MemoryStream FromText(params (string Name, string Content)[] files) =>
        FromBytes([.. files.Select(f => (f.Name, Encoding.UTF8.GetBytes(f.Content)))]);

    public static MemoryStream FromBytes(params (string Name, byte[] Content)[] files)
    {
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var entry = archive.CreateEntry(name).Open();
                entry.Write(content);
            }
        }

        zip.Position = 0;
        return zip;
    }

    public static Snapshot Read(Stream zip) => OneRosterZipReader.Read(zip, null, CancellationToken.None);

    public static int CountIssues(this Snapshot s, string severity, string messagePart) =>
        s.Issues.Count(i => i.Severity == severity && i.Message.Contains(messagePart, StringComparison.Ordinal));
}
