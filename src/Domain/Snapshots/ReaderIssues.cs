using RosterSync.Domain.Model;

namespace RosterSync.Domain.Snapshots;

/// <summary>
/// The reading rules (SPEC §4) and the issues every reader raises alike. A reader issue names its rule: R26 for text,
/// R27 for references, R28 for structure, and R22 for a row read in part or not at all for any other reason.
/// </summary>
public static class ReaderIssues
{
    public const string Partial = "R22";
    public const string Text = "R26";
    public const string References = "R27";
    public const string Structure = "R28";

    /// <summary>The one warning per file for text read as Windows-1252, and for byte-order marks removed inside it.</summary>
    public static void AddTextIssues(List<SourceIssue> issues, CsvRowReader csv, string file)
    {
        ArgumentNullException.ThrowIfNull(issues);
        ArgumentNullException.ThrowIfNull(csv);
        if (csv.Windows1252FromLine is { } line)
        {
            issues.Add(new SourceIssue(Severities.Warning, Text, null, null, new SourceLocation(file, line),
                $"{file} is not valid UTF-8 (first at line {line}); it was read as Windows-1252. Export it as UTF-8 to be sure accented letters are right."));
        }

        if (csv.InnerByteOrderMarkLine is { } bom)
        {
            issues.Add(new SourceIssue(Severities.Warning, Text, null, null, new SourceLocation(file, bom),
                $"{file} holds a byte-order mark inside the file (first at line {bom}), as when two files are joined; it was removed from the values."));
        }
    }

    /// <summary>R26: a value with a NUL character cannot be stored as text; its row is skipped.</summary>
    public static SourceIssue Nul(string? entity, string? sourceId, SourceLocation at) =>
        new(Severities.Error, Text, entity, sourceId?.Replace("\0", "", StringComparison.Ordinal), at,
            "A value on this row holds a NUL character (binary data in a text file); the row is skipped. Remove it from the export.");

    /// <summary>No roster value (an id, a name, an email) is this long; a longer one is a broken export, not data.</summary>
    public const int MaxValueLength = 1000;

    /// <summary>R26: the row with a value over <see cref="MaxValueLength"/> characters is skipped.</summary>
    public static SourceIssue TooLong(string? entity, string? sourceId, SourceLocation at) =>
        new(Severities.Error, Text, entity, sourceId, at,
            $"A value on this row is longer than {MaxValueLength} characters, which no roster value is; the row is skipped. Check the export.");

    /// <summary>Whether the current row must be skipped for its text (NUL, over-long value): adds the issue and says so.</summary>
    public static bool SkipForText(List<SourceIssue> issues, CsvRowReader csv, string? entity, string? sourceId, SourceLocation at)
    {
        ArgumentNullException.ThrowIfNull(issues);
        ArgumentNullException.ThrowIfNull(csv);
        if (csv.HasNul)
        {
            issues.Add(Nul(entity, sourceId, at));
            return true;
        }

        if (csv.HasValueLongerThan(MaxValueLength))
        {
            issues.Add(TooLong(entity, sourceId?.Length > 100 ? sourceId[..100] + "…" : sourceId, at));
            return true;
        }

        return false;
    }

    /// <summary>
    /// Reads a file's header row (R28): a file without one (empty, blank lines only) fails the read, and so does a header
    /// holding a NUL character (R26), which names no column.
    /// </summary>
    public static CsvRow Header(CsvRowReader csv, string file, string expected)
    {
        ArgumentNullException.ThrowIfNull(csv);
        if (!csv.TryRead(out var head))
        {
            throw NoHeader(file, expected, empty: true);
        }

        if (csv.HasNul)
        {
            throw new SourceReadException($"The header row of {file} holds a NUL character (binary data, or UTF-16 without a byte-order mark); export it as UTF-8")
            {
                File = file,
                Row = head.Line,
            };
        }

        return head;
    }

    /// <summary>R28: a file the read needs has no header row (it is empty, or its first line is not a header).</summary>
    public static SourceReadException NoHeader(string file, string expected, bool empty) =>
        new(empty
            ? $"{file} is empty: it has no header row. A required file must at least carry its header; re-export it."
            : $"{file} has no header row: its first line has no {expected} column. Add the header row the format asks for.")
        {
            File = file,
            Row = empty ? null : 1,
        };
}
