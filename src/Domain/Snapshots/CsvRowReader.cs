namespace RosterSync.Domain.Snapshots;

/// <summary>One CSV record: its fields and the 1-based physical line on which it starts.</summary>
public readonly record struct CsvRow(string[] Fields, int Line);

/// <summary>
/// Streaming RFC 4180 reader: one record at a time from a buffer, never the whole file. Lenient where real
/// files are sloppy (BOM, CRLF/LF/bare CR, no final EOL, quoted line breaks, stray quotes) because a
/// district cannot fix its SIS export before tonight's sync.
/// </summary>
/// <remarks>
/// Two ways to read: <see cref="TryRead"/> hands out a record as strings; <see cref="TryReadRecord"/> keeps
/// the current record in one reused buffer and lets the caller look at each field as a span
/// (<see cref="Field"/>, <see cref="Value"/>), so a million-row file allocates only the strings it keeps.
/// </remarks>
public sealed class CsvRowReader : IDisposable
{
    private readonly TextReader _reader;
    private readonly char[] _buffer = new char[64 * 1024];
    // The current record: every field's characters back to back, and where each field ends.
    private char[] _record = new char[1024];
    private int[] _ends = new int[32];
    private int _count;
    private int _recordLength;
    private int _pos;
    private int _length;
    private int _line = 1;
    private bool _started;

    /// <summary>Reads bytes as R26 decodes them (<see cref="SourceTextReader"/>): UTF-8, UTF-16 with a BOM, or Windows-1252.</summary>
    public CsvRowReader(Stream stream, bool leaveOpen = false)
        : this(new SourceTextReader(stream, leaveOpen))
    {
    }

    public CsvRowReader(TextReader reader) => _reader = reader;

    /// <summary>Names the file in exceptions.</summary>
    public string? FileName { get; init; }

    /// <summary>Fields in the current record (after <see cref="TryReadRecord"/>).</summary>
    public int FieldCount => _count;

    /// <summary>The 1-based physical line on which the current record starts.</summary>
    public int Line { get; private set; }

    /// <summary>How the file is decoded (known once the first record is read).</summary>
    public TextEncodingKind Encoding => (_reader as SourceTextReader)?.Encoding ?? TextEncodingKind.Utf8;

    /// <summary>The line on which the file stopped being valid UTF-8 and was read as Windows-1252 from (R26); null while it is UTF-8.</summary>
    public int? Windows1252FromLine { get; private set; }

    /// <summary>The first line on which a byte-order mark inside the file (two files joined) was removed from a value.</summary>
    public int? InnerByteOrderMarkLine { get; private set; }

    /// <summary>True when a value of the current record holds a NUL character (R26: the row is skipped).</summary>
    public bool HasNul { get; private set; }

    /// <summary>Field <paramref name="index"/> of the current record as read (untrimmed); empty when the record is shorter.</summary>
    public ReadOnlySpan<char> Field(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            return default;
        }

        var start = index == 0 ? 0 : _ends[index - 1];
        return _record.AsSpan(start, _ends[index] - start);
    }

    /// <summary>Field <paramref name="index"/> trimmed; empty when blank, missing or <paramref name="index"/> is -1.</summary>
    public ReadOnlySpan<char> Trimmed(int index) => Field(index).Trim();

    /// <summary>The trimmed value as a new string; null when the column is missing, the row short or the value blank.</summary>
    public string? Value(int index)
    {
        var value = Trimmed(index);
        return value.IsEmpty ? null : value.ToString();
    }

    /// <summary>True when every field of the current record is blank.</summary>
    public bool IsBlankRecord()
    {
        for (var i = 0; i < _count; i++)
        {
            if (!Field(i).IsWhiteSpace())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when a field of the current record is longer than <paramref name="length"/> characters.</summary>
    public bool HasValueLongerThan(int length)
    {
        if (_recordLength <= length)
        {
            return false;
        }

        for (var i = 0; i < _count; i++)
        {
            if (Field(i).Length > length)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the current record has non-blank values at or beyond position <paramref name="width"/>.</summary>
    public bool HasValuesFrom(int width)
    {
        for (var i = width; i < _count; i++)
        {
            if (!Field(i).IsWhiteSpace())
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads the next record into the reader's buffer; false at the end of the input.</summary>
    public bool TryReadRecord()
    {
        while (Peek() >= 0)
        {
            Line = _line;
            _count = 0;
            _recordLength = 0;
            bool quoted, more;
            do
            {
                quoted = ReadField();
                if (_count == _ends.Length)
                {
                    Array.Resize(ref _ends, _ends.Length * 2);
                }

                _ends[_count++] = _recordLength;
                more = EndField();
            }
            while (more);

            // A physically empty line is not a record (RFC 4180 has none; editors leave them).
            if (_count == 1 && _recordLength == 0 && !quoted)
            {
                continue;
            }

            HasNul = false;
            if (_record.AsSpan(0, _recordLength).IndexOfAny('\0', '\uFEFF') >= 0)
            {
                CheckText();
            }

            return true;
        }

        _count = 0;
        return false;
    }

    public bool TryRead(out CsvRow row)
    {
        if (!TryReadRecord())
        {
            row = default;
            return false;
        }

        var fields = new string[_count];
        for (var i = 0; i < fields.Length; i++)
        {
            var field = Field(i);
            fields[i] = field.IsEmpty ? string.Empty : field.ToString();
        }

        row = new CsvRow(fields, Line);
        return true;
    }

    public IEnumerable<CsvRow> ReadAll()
    {
        while (TryRead(out var row))
        {
            yield return row;
        }
    }

    public void Dispose() => _reader.Dispose();

    /// <summary>The slow path for a record holding NUL or U+FEFF: notes the NUL, drops the byte-order marks.</summary>
    private void CheckText()
    {
        var record = _record.AsSpan(0, _recordLength);
        HasNul = record.Contains('\0');
        if (!record.Contains('\uFEFF'))
        {
            return;
        }

        InnerByteOrderMarkLine ??= Line;
        int write = 0, read = 0;
        for (var field = 0; field < _count; field++)
        {
            for (; read < _ends[field]; read++)
            {
                if (_record[read] != '\uFEFF')
                {
                    _record[write++] = _record[read];
                }
            }

            _ends[field] = write;
        }

        _recordLength = write;
    }

    /// <summary>Appends one field to the record; true when it was quoted.</summary>
    private bool ReadField()
    {
        if (Peek() != '"')
        {
            ScanUntil(stopAtQuote: false);
            return false;
        }

        var openedAt = _line;
        _pos++;
        while (true)
        {
            if (!ScanUntil(stopAtQuote: true))
            {
                throw new SourceReadException($"{FileName ?? "The file"}: a quoted value opened on line {openedAt} is never closed")
                {
                    File = FileName,
                    Row = openedAt,
                };
            }

            var c = _buffer[_pos++];
            if (c == '"')
            {
                if (Peek() == '"')
                {
                    _pos++;
                    Append('"');
                    continue;
                }

                break;
            }

            // A line break inside quotes belongs to the value.
            Append(c);
            if (c == '\r' && Peek() == '\n')
            {
                _pos++;
                Append('\n');
            }

            _line++;
        }

        // Text after the closing quote ("ab"c) is kept rather than rejected.
        ScanUntil(stopAtQuote: false);
        return true;
    }

    /// <summary>
    /// Copies characters into the record until a delimiter: comma or line break, plus '"' and line
    /// breaks inside quotes. Leaves the delimiter unread; false at end of input.
    /// </summary>
    private bool ScanUntil(bool stopAtQuote)
    {
        while (_pos < _length || Fill())
        {
            var span = _buffer.AsSpan(_pos, _length - _pos);
            var at = stopAtQuote ? span.IndexOfAny('"', '\r', '\n') : span.IndexOfAny(',', '\r', '\n');
            if (at < 0)
            {
                Append(span);
                _pos = _length;
                continue;
            }

            Append(span[..at]);
            _pos += at;
            return true;
        }

        return false;
    }

    /// <summary>Consumes the delimiter after a field; true when another field follows in the same record.</summary>
    private bool EndField()
    {
        switch (Peek())
        {
            case ',':
                _pos++;
                return true;
            case '\r':
                _pos++;
                if (Peek() == '\n')
                {
                    _pos++;
                }

                _line++;
                return false;
            case '\n':
                _pos++;
                _line++;
                return false;
            default:
                return false;
        }
    }

    private int Peek() => _pos < _length || Fill() ? _buffer[_pos] : -1;

    private bool Fill()
    {
        _length = _reader.Read(_buffer, 0, _buffer.Length);
        _pos = 0;
        if (_reader is SourceTextReader { SwitchedAt: { } switchedAt } text)
        {
            text.SwitchedAt = null;
            Windows1252FromLine = _line + LineBreaks(_buffer.AsSpan(0, switchedAt));
        }

        if (!_started && _length > 0)
        {
            _started = true;
            if (_buffer[0] == '\uFEFF')
            {
                _pos = 1; // A TextReader handed in may not have stripped the BOM.
                return _length > 1 || Fill();
            }
        }

        return _length > 0;
    }

    private static int LineBreaks(ReadOnlySpan<char> text)
    {
        var breaks = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                breaks++;
            }
        }

        return breaks;
    }

    private void Append(char c)
    {
        if (_recordLength == _record.Length)
        {
            Array.Resize(ref _record, _record.Length * 2);
        }

        _record[_recordLength++] = c;
    }

    private void Append(ReadOnlySpan<char> chars)
    {
        if (_recordLength + chars.Length > _record.Length)
        {
            Array.Resize(ref _record, Math.Max(_record.Length * 2, _recordLength + chars.Length));
        }

        chars.CopyTo(_record.AsSpan(_recordLength));
        _recordLength += chars.Length;
    }
}

/// <summary>
/// Maps a header row to column positions by name: trimmed, case-insensitive, first of duplicates wins,
/// blank cells ignored. Rows are then read by position, so column order and extra columns never matter.
/// </summary>
public sealed class CsvHeader
{
    private readonly Dictionary<string, int> _columns = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<string, string> _normalize;

    /// <param name="cells">The header row.</param>
    /// <param name="normalize">Turns a header name (and a looked-up name) into its key; default trims.</param>
    public CsvHeader(string[] cells, Func<string, string>? normalize = null)
    {
        _normalize = normalize ?? (name => name.Trim().TrimStart('\uFEFF'));
        Width = cells.Length;
        var duplicates = new List<string>();
        for (var i = 0; i < cells.Length; i++)
        {
            var key = _normalize(cells[i]);
            if (key.Length > 0 && !_columns.TryAdd(key, i))
            {
                duplicates.Add(cells[i].Trim());
            }
        }

        Duplicates = duplicates;
    }

    /// <summary>Number of header cells, blank ones included.</summary>
    public int Width { get; }

    /// <summary>Header names seen more than once; only the first of each is read.</summary>
    public IReadOnlyList<string> Duplicates { get; }

    /// <summary>Position of the first of <paramref name="names"/> (aliases in order of preference), or -1.</summary>
    public int Find(params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            if (_columns.TryGetValue(_normalize(name), out var index))
            {
                return index;
            }
        }

        return -1;
    }

    /// <summary>True when the row has non-empty values beyond the header's last cell.</summary>
    public bool HasExtraValues(string[] fields)
    {
        for (var i = Width; i < fields.Length; i++)
        {
            if (!string.IsNullOrWhiteSpace(fields[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The trimmed value at <paramref name="index"/>; null when the column is missing, the row short or the value blank.</summary>
    public static string? Value(string[] fields, int index)
    {
        if (index < 0 || index >= fields.Length)
        {
            return null;
        }

        var value = fields[index].Trim();
        return value.Length == 0 ? null : value;
    }

    /// <summary>A list-valued field ("a, b,c"): items trimmed, empties dropped.</summary>
    public static string[] List(string[] fields, int index) =>
        Value(fields, index)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
}
