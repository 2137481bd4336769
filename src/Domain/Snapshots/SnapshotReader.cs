namespace RosterSync.Domain.Snapshots;

/// <summary>
/// The one entry point for uploaded and fetched files: sniffs what the bytes are and hands them to the
/// matching reader. Any reason the file cannot be read completely is a <see cref="SourceReadException"/>.
/// </summary>
public static class SnapshotReader
{
    public const string Roster = "roster";
    public const string Guardians = "guardians";

    /// <summary>How many leading bytes <see cref="Sniff"/> looks at.</summary>
    public const int HeadLength = 4096;

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
        var head = new byte[HeadLength];
        var length = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        content.Position = 0;
        if (length == 0)
        {
            throw new SourceReadException("The upload is empty");
        }

        var bytes = head.AsSpan(0, length);
        if (IsZip(bytes))
        {
            using var zip = SafeZip.Open(content);
            return kind == Guardians ? ReadGuardians(zip, rowsRead, ct) : ReadRoster(zip, rowsRead, ct);
        }

        if (!IsText(bytes))
        {
            throw new SourceReadException("The upload is neither a OneRoster zip nor a CSV file");
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

    /// <summary>
    /// What a file's first <see cref="HeadLength"/> bytes say it is, as this reader will take it: the Api refuses an
    /// upload of kind <see cref="FileKind.Other"/> before a run is spent on it, with the same test the run applies.
    /// </summary>
    public static FileKind Sniff(ReadOnlySpan<byte> head) =>
        head.IsEmpty ? FileKind.Empty : IsZip(head) ? FileKind.Zip : IsText(head) ? FileKind.Text : FileKind.Other;

    private static bool IsZip(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] is 3 or 5 or 7 && head[3] is 4 or 6 or 8;

    /// <summary>Text has no NUL bytes and almost no other control bytes; a UTF-16 BOM also counts as text.</summary>
    private static bool IsText(ReadOnlySpan<byte> head)
    {
        if (head is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
        {
            return true;
        }

        var control = 0;
        foreach (var b in head)
        {
            if (b == 0)
            {
                return false;
            }

            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C))
            {
                control++;
            }
        }

        return control * 100 <= head.Length;
    }
}
