using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace RosterSync.Domain.Snapshots;

/// <summary>How a file's bytes were turned into text (R26).</summary>
public enum TextEncodingKind { Utf8, Utf16LittleEndian, Utf16BigEndian, Windows1252 }

/// <summary>
/// Decodes a CSV file as R26 says: a UTF-16 BOM (either order) means UTF-16, otherwise UTF-8 (a BOM is skipped), until
/// the first byte sequence that is not valid UTF-8; from there on the file is read as Windows-1252, which is what many
/// SIS exports and Excel "CSV" write. Nothing is ever replaced by U+FFFD: the caller reports the switch once
/// (<see cref="SwitchedAt"/>). Streams one buffer at a time, like the CSV reader above it.
/// </summary>
public sealed class SourceTextReader(Stream stream, bool leaveOpen = false) : TextReader
{
    private static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)
        ?? throw new InvalidOperationException("Windows-1252 is not available");

    private readonly byte[] _bytes = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _started;
    private Decoder? _decoder;

    /// <summary>The decoding in use now; <see cref="TextEncodingKind.Windows1252"/> once invalid UTF-8 was met.</summary>
    public TextEncodingKind Encoding { get; private set; } = TextEncodingKind.Utf8;

    /// <summary>
    /// Set by the <see cref="Read(char[], int, int)"/> call that met the first invalid UTF-8: the index in that call's
    /// output where Windows-1252 text begins. The caller reads it once and clears it.
    /// </summary>
    public int? SwitchedAt { get; set; }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (!_eof && (_end - _start < 4 || !_started))
            {
                FillBytes();
            }

            if (!_started)
            {
                Start();
            }

            var bytes = _bytes.AsSpan(_start, _end - _start);
            if (bytes.IsEmpty)
            {
                return 0;
            }

            int written;
            if (Encoding == TextEncodingKind.Utf8)
            {
                var status = Utf8.ToUtf16(bytes, buffer, out var read, out written, replaceInvalidSequences: false, isFinalBlock: _eof);
                _start += read;
                if (status == OperationStatus.InvalidData)
                {
                    Encoding = TextEncodingKind.Windows1252;
                    _decoder = Windows1252.GetDecoder();
                    SwitchedAt = written;
                    if (written < buffer.Length)
                    {
                        written += Decode(buffer[written..]);
                    }

                }
                else if (status == OperationStatus.NeedMoreData && written == 0 && !_eof)
                {
                    FillBytes();
                    continue;
                }
            }
            else
            {
                written = Decode(buffer);
            }

            if (written > 0 || _eof)
            {
                return written;
            }

            FillBytes();
        }
    }

    public override int Peek() => throw new NotSupportedException("Read into a buffer instead.");

    public override int Read() => throw new NotSupportedException("Read into a buffer instead.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            stream.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Decodes with the single-byte or UTF-16 decoder, keeping a split UTF-16 unit for the next call.</summary>
    private int Decode(Span<char> buffer)
    {
        var bytes = _bytes.AsSpan(_start, _end - _start);
        _decoder!.Convert(bytes, buffer, flush: _eof, out var used, out var written, out _);
        _start += used;
        return written;
    }

    private void Start()
    {
        _started = true;
        var head = _bytes.AsSpan(_start, _end - _start);
        if (head is [0xEF, 0xBB, 0xBF, ..])
        {
            _start += 3;
        }
        else if (head is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
        {
            Encoding = head[0] == 0xFF ? TextEncodingKind.Utf16LittleEndian : TextEncodingKind.Utf16BigEndian;
            _decoder = (Encoding == TextEncodingKind.Utf16LittleEndian ? System.Text.Encoding.Unicode : System.Text.Encoding.BigEndianUnicode).GetDecoder();
            _start += 2;
        }
    }

    /// <summary>Moves what is left to the front and reads more, until the buffer is full or the stream ends.</summary>
    private void FillBytes()
    {
        if (_start > 0)
        {
            _bytes.AsSpan(_start, _end - _start).CopyTo(_bytes);
            _end -= _start;
            _start = 0;
        }

        while (_end < _bytes.Length)
        {
            var n = stream.Read(_bytes, _end, _bytes.Length - _end);
            if (n == 0)
            {
                _eof = true;
                return;
            }

            _end += n;
            if (_started)
            {
                return;
            }
        }
    }
}
