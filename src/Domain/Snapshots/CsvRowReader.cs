using System.Text;

namespace RosterSync.Domain.Snapshots;

/// <summary>One CSV record: its fields and the 1-based physical line on which it starts.</summary>
public readonly record struct CsvRow(string[] Fields, int Line);

/// <summary>
/// Streaming RFC 4180 reader: one record at a time from a buffer, never the whole file. Lenient where real
/// files are sloppy (BOM, CRLF/LF/bare CR, no final EOL, quoted line breaks, stray quotes) because a
/// district cannot fix its SIS export before tonight's sync.
/// </summary>
public sealed class CsvRowReader : IDisposable
{
    private readonly TextReader _reader;
    private readonly char[] _buffer = new char[32 * 1024];
    private readonly List<string> _fields = [];
    private char[] _field = new char[256];
    private int _fieldLength;
    private int _pos;
    private int _length;
    private int _line = 1;
    private bool _started;

    public CsvRowReader(Stream stream, bool leaveOpen = false)
        : this(new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 32 * 1024, leaveOpen))
    {
    }

    public CsvRowReader(TextReader reader) => _reader = reader;

    /// <summary>Names the file in exceptions.</summary>
    public string? FileName { get; init; }

    public bool TryRead(out CsvRow row)
    {
        while (Peek() >= 0)
        {
            var start = _line;
            _fields.Clear();
            bool quoted, more;
            do
            {
                quoted = ReadField();
                _fields.Add(_fieldLength == 0 ? string.Empty : new string(_field, 0, _fieldLength));
                more = EndField();
            }
            while (more);

            // A physically empty line is not a record (RFC 4180 has none; editors leave them).
            if (_fields.Count == 1 && _fields[0].Length == 0 && !quoted)
            {
                continue;
            }

            row = new CsvRow([.. _fields], start);
            return true;
        }

        row = default;
        return false;
    }

    public IEnumerable<CsvRow> ReadAll()
    {
        while (TryRead(out var row))
        {
            yield return row;
        }
    }

    public void Dispose() => _reader.Dispose();

    /// <summary>Reads one field into <see cref="_field"/>; true when it was quoted.</summary>
    private bool ReadField()
    {
        _fieldLength = 0;
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
    /// Copies characters into the field until a delimiter: comma or line break, plus '"' and line
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

    private void Append(char c)
    {
        if (_fieldLength == _field.Length)
        {
            Array.Resize(ref _field, _field.Length * 2);
        }

        _field[_fieldLength++] = c;
    }

    private void Append(ReadOnlySpan<char> chars)
    {
        if (_fieldLength + chars.Length > _field.Length)
        {
            Array.Resize(ref _field, Math.Max(_field.Length * 2, _fieldLength + chars.Length));
        }

        chars.CopyTo(_field.AsSpan(_fieldLength));
        _fieldLength += chars.Length;
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
