namespace RosterSync.Domain.Snapshots;

/// <summary>
/// The one entry point for uploaded and fetched files: sniffs what the bytes are and hands them to the
/// matching reader. Any reason the file cannot be read completely is a <see cref="SourceReadException"/>.
/// </summary>
public static class SnapshotReader
{
    public const string Roster = "roster";
    public const string Guardians = "guardians";

    /// <param name="content">The upload; a non-seekable stream is first copied to a temporary file.</param>
    /// <param name="fileName">The uploaded file's name; says what a lone CSV holds (students.csv, staff.csv).</param>
    /// <param name="kind"><see cref="Roster"/> (OneRoster zip or simple CSV pair) or <see cref="Guardians"/> (guardian file).</param>
    public static async Task<Snapshot> ReadUploadAsync(
        Stream content, string fileName, string kind, IProgress<long>? rowsRead, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);
        if (kind is not (Roster or Guardians))
        {
            throw new ArgumentException($"Kind must be '{Roster}' or '{Guardians}'.", nameof(kind));
        }

        if (content.CanSeek)
        {
            return Read(content, fileName, kind, rowsRead, ct);
        }

        var copy = await SafeZip.SpoolAsync(content, ct).ConfigureAwait(false);
        await using (copy.ConfigureAwait(false))
        {
            return Read(copy, fileName, kind, rowsRead, ct);
        }
    }

    private static Snapshot Read(Stream content, string fileName, string kind, IProgress<long>? rowsRead, CancellationToken ct)
    {
        content.Position = 0;
        var head = new byte[SniffBytes];
        var length = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        content.Position = 0;
        switch (Sniff(head.AsSpan(0, length)))
        {
            case FileFormat.Empty:
                throw new SourceReadException("The file is empty (0 bytes); deliver the export again") { File = Path.GetFileName(fileName) };
            case FileFormat.Zip:
                using (var zip = OpenZip(content, Path.GetFileName(fileName)))
                {
                    return kind == Guardians ? ReadGuardians(zip, rowsRead, ct) : ReadRoster(zip, rowsRead, ct);
                }

            case FileFormat.Other:
                throw new SourceReadException("The file is neither a OneRoster zip nor a CSV file") { File = Path.GetFileName(fileName) };
        }

        var name = Path.GetFileName(fileName);
        if (kind == Guardians)
        {
            return SimpleCsvReader.ReadGuardians(content, name, rowsRead, ct);
        }

        // A lone CSV's name says who it lists; "Students 2025.csv" and "teachers.csv" are fine too.
        if (name.Contains("student", StringComparison.OrdinalIgnoreCase))
        {
            return SimpleCsvReader.ReadRoster(content, null, rowsRead, ct);
        }

        if (name.Contains("staff", StringComparison.OrdinalIgnoreCase) || name.Contains("teacher", StringComparison.OrdinalIgnoreCase))
        {
            return SimpleCsvReader.ReadRoster(null, content, rowsRead, ct);
        }

        throw new SourceReadException(
            $"A single CSV upload must be named students.csv or staff.csv, not '{name}'; send OneRoster files as one zip") { File = name };
    }

    /// <summary>Opens a zip; a failure to open it names the file it is (the entry names its own failures).</summary>
    private static SafeZip OpenZip(Stream content, string name)
    {
        try
        {
            return SafeZip.Open(content);
        }
        catch (SourceReadException e) when (e.File is null)
        {
            throw new SourceReadException(e.Message, e.InnerException) { File = name };
        }
    }

    private static Snapshot ReadRoster(SafeZip zip, IProgress<long>? rowsRead, CancellationToken ct)
    {
        if (zip.Find("users.csv") is not null || zip.Find("manifest.csv") is not null)
        {
            return OneRosterZipReader.Read(zip, rowsRead, ct);
        }

        var students = zip.Find(SimpleCsvReader.StudentsFile);
        var staff = zip.Find(SimpleCsvReader.StaffFile);
        if (students is null && staff is null)
        {
            throw new SourceReadException("The zip has no users.csv (OneRoster) and no students.csv or staff.csv");
        }

        using var studentStream = students is null ? null : zip.OpenEntry(students);
        using var staffStream = staff is null ? null : zip.OpenEntry(staff);
        return SimpleCsvReader.ReadRoster(studentStream, staffStream, rowsRead, ct);
    }

    private static Snapshot ReadGuardians(SafeZip zip, IProgress<long>? rowsRead, CancellationToken ct)
    {
        var csvs = zip.FileNames.Where(n => n.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).ToList();
        var name = zip.Find(SimpleCsvReader.GuardiansFile) is not null ? SimpleCsvReader.GuardiansFile
            : csvs.Count == 1 ? csvs[0]
            : throw new SourceReadException("The zip has no guardians.csv");
        using var csv = zip.OpenEntry(zip.Find(name)!);
        return SimpleCsvReader.ReadGuardians(csv, name, rowsRead, ct);
    }

    /// <summary>How many leading bytes <see cref="Sniff"/> wants; fewer is fine for a shorter file.</summary>
    public const int SniffBytes = 4096;

    /// <summary>
    /// What a file is, from its first bytes (at least <see cref="SniffBytes"/> of them when the file is longer): the one sniffer for the Api's upload check
    /// and the reader. Text is CSV in one of the encodings R26 decodes; it may hold a rare NUL (that row is skipped when
    /// read), but not the NUL of every other byte of UTF-16 without a BOM, nor many other control bytes.
    /// </summary>
    public static FileFormat Sniff(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty)
        {
            return FileFormat.Empty;
        }

        if (head.Length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] is 3 or 5 or 7 && head[3] is 4 or 6 or 8)
        {
            return FileFormat.Zip;
        }

        if (head is [0xFF, 0xFE, ..])
        {
            return FileFormat.Utf16LittleEndianCsv;
        }

        if (head is [0xFE, 0xFF, ..])
        {
            return FileFormat.Utf16BigEndianCsv;
        }

        var control = 0;
        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C))
            {
                control++;
            }
        }

        if (control * 100 > head.Length)
        {
            return FileFormat.Other;
        }

        // A sequence cut at the end of a full sample (the file goes on) is still UTF-8.
        for (var cut = 0; cut < (head.Length >= SniffBytes ? 4 : 1); cut++)
        {
            if (System.Text.Unicode.Utf8.IsValid(head[..^cut]))
            {
                return FileFormat.Utf8Csv;
            }
        }

        return FileFormat.Windows1252Csv;
    }
}

/// <summary>What <see cref="SnapshotReader.Sniff"/> says a file is.</summary>
public enum FileFormat { Empty, Zip, Utf8Csv, Utf16LittleEndianCsv, Utf16BigEndianCsv, Windows1252Csv, Other }
