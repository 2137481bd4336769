using System.Collections;
using System.Runtime.InteropServices;

namespace RosterSync.Domain.Snapshots;

/// <summary>
/// The snapshot's enrollments, stored column by column: a district of 3 million enrollments would otherwise
/// hold 3 million records, 3 million locations and three strings each. Class and person source ids are
/// references to strings the reader already holds (it pools them, as it does the file name), roles are small codes, and
/// sourcedIds go into <see cref="PackedIds"/>. Reading a row builds a <see cref="SourceEnrollment"/> on the spot.
/// </summary>
public sealed class SourceEnrollmentList : IReadOnlyList<SourceEnrollment>
{
    private readonly PackedIds _ids = new();
    private readonly ChunkedList<string> _classIds = new();
    private readonly ChunkedList<string> _personIds = new();
    private readonly ChunkedList<byte> _roles = new();
    private readonly ChunkedList<int> _rows = new();
    private readonly ChunkedList<string> _files = new();
    private readonly CodeTable _roleCodes = new(byte.MaxValue);

    public int Count => _classIds.Count;

    public SourceEnrollment this[int index] => new(
        _ids[index]!, _classIds[index], _personIds[index], _roleCodes[_roles[index]]!,
        At(index));

    /// <summary>Only what the planner reads for a row, without building the record.</summary>
    internal (string ClassSourceId, string PersonSourceId, string Role) Keys(int index) =>
        (_classIds[index], _personIds[index], _roleCodes[_roles[index]]!);

    internal string SourceId(int index) => _ids[index]!;

    internal SourceLocation At(int index) => new(_files[index], _rows[index] < 0 ? null : _rows[index]);

    public void Add(SourceEnrollment enrollment)
    {
        ArgumentNullException.ThrowIfNull(enrollment);
        Add(enrollment.SourceId, enrollment.ClassSourceId, enrollment.PersonSourceId, enrollment.Role, enrollment.At);
    }

    /// <summary>Adds a row without building its record first (the OneRoster reader's path).</summary>
    internal void Add(string sourceId, string classSourceId, string personSourceId, string role, SourceLocation at) =>
        Add(sourceId, Guid.Empty, classSourceId, personSourceId, role, at);

    /// <param name="sourceId">The sourcedId, or null when it is a GUID given as <paramref name="packedId"/>.</param>
    internal void Add(string? sourceId, Guid packedId, string classSourceId, string personSourceId, string role, SourceLocation at)
    {
        if (sourceId is null) _ids.Add(packedId);
        else _ids.Add(sourceId);
        _classIds.Add(classSourceId);
        _personIds.Add(personSourceId);
        _roles.Add((byte)_roleCodes.Code(role));
        _files.Add(at.File);
        _rows.Add(at.Row ?? -1);
    }

    public void AddRange(IEnumerable<SourceEnrollment> enrollments)
    {
        ArgumentNullException.ThrowIfNull(enrollments);
        foreach (var e in enrollments)
        {
            Add(e);
        }
    }

    public IEnumerator<SourceEnrollment> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A column of source ids. Most large exports (ClassLink, many SIS) use lowercase GUIDs as sourcedIds: those
/// are kept as 16-byte <see cref="Guid"/>s and turned back into the identical string when read; any other id
/// is kept aside as it came. 16 bytes a row instead of about a hundred.
/// </summary>
internal sealed class PackedIds
{
    private readonly ChunkedList<Guid> _guids = new();
    private readonly Dictionary<int, string> _others = [];

    public int Count => _guids.Count;

    public string? this[int index]
    {
        get
        {
            var guid = _guids[index];
            return guid != Guid.Empty ? guid.ToString() : _others.GetValueOrDefault(index);
        }
    }

    /// <summary>Adds an id already packed (see <see cref="TryPack(ReadOnlySpan{char}, out Guid)"/>).</summary>
    public void Add(Guid packed) => _guids.Add(packed);

    public void Add(string? id)
    {
        if (id is not null && TryPack(id, out var guid))
        {
            _guids.Add(guid);
            return;
        }

        if (id is not null)
        {
            _others[_guids.Count] = id;
        }

        _guids.Add(Guid.Empty);
    }

    /// <summary>True when <paramref name="id"/> is exactly what <see cref="Guid.ToString()"/> writes (lowercase "D" form).</summary>
    internal static bool TryPack(string id, out Guid guid) => TryPack(id.AsSpan(), out guid);

    /// <inheritdoc cref="TryPack(string, out Guid)"/>
    internal static bool TryPack(ReadOnlySpan<char> id, out Guid guid)
    {
        guid = default;
        if (id.Length != 36 || !Guid.TryParseExact(id, "D", out guid) || guid == Guid.Empty)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is >= 'A' and <= 'F')
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// An append-only list in fixed 64K-element chunks: no doubling copies on the large object heap and
/// at most one partly used chunk, for columns of millions of rows.
/// </summary>
internal sealed class ChunkedList<T>
{
    private const int Shift = 16;
    private const int ChunkSize = 1 << Shift;
    private T[][] _chunks = [];
    private int _count;

    public int Count => _count;

    public ref T this[int index] => ref _chunks[index >> Shift][index & (ChunkSize - 1)];

    public void Add(T value)
    {
        var chunk = _count >> Shift;
        var offset = _count & (ChunkSize - 1);
        if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
        }

        if (_chunks[chunk] is null)
        {
            // The first chunk grows like a List (small snapshots stay small); later ones are full size.
            _chunks[chunk] = new T[chunk == 0 ? 16 : ChunkSize];
        }
        else if (offset == _chunks[chunk].Length)
        {
            Array.Resize(ref _chunks[chunk], offset * 2);
        }

        _chunks[chunk][offset] = value;
        _count++;
    }
}

/// <summary>A few distinct strings (roles, file names, rule ids) numbered in order of first use.</summary>
internal sealed class CodeTable(int max)
{
    private readonly List<string?> _values = [null];
    private readonly Dictionary<string, int> _codes = new(StringComparer.Ordinal);

    public string? this[int code] => _values[code];

    /// <summary>The code of <paramref name="value"/>; 0 is null.</summary>
    public int Code(string? value)
    {
        if (value is null)
        {
            return 0;
        }

        ref var code = ref CollectionsMarshal.GetValueRefOrAddDefault(_codes, value, out var exists);
        if (!exists)
        {
            if (_values.Count > max)
            {
                throw new InvalidOperationException($"More than {max} distinct values in a code table");
            }

            code = _values.Count;
            _values.Add(value);
        }

        return code;
    }
}
