using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace RosterSync.Domain.Events;

/// <summary>
/// A place in a district's feed: the journal entry's sequence number, then the row within it (a run's change id;
/// <see cref="End"/> once the entry is read to its end). Cursors are this position, tagged with the district.
/// </summary>
public readonly record struct FeedPosition(long Seq, long Sub) : IComparable<FeedPosition>
{
    public const long End = long.MaxValue;
    private const byte Version = 1;
    private const int TagLength = 4;
    private const int Length = 1 + TagLength + 8 + 8;

    public static readonly FeedPosition Start = new(0, End);

    public int CompareTo(FeedPosition other) => Seq != other.Seq ? Seq.CompareTo(other.Seq) : Sub.CompareTo(other.Sub);

    public static bool operator <(FeedPosition a, FeedPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(FeedPosition a, FeedPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(FeedPosition a, FeedPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(FeedPosition a, FeedPosition b) => a.CompareTo(b) >= 0;

    /// <summary>An opaque cursor, bound to the district: another district's cursor does not read.</summary>
    public string ToCursor(Guid districtId)
    {
        Span<byte> bytes = stackalloc byte[Length];
        bytes[0] = Version;
        Tag(districtId).CopyTo(bytes[1..]);
        BinaryPrimitives.WriteInt64BigEndian(bytes[(1 + TagLength)..], Seq);
        BinaryPrimitives.WriteInt64BigEndian(bytes[(1 + TagLength + 8)..], Sub);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryParse(string? cursor, Guid districtId, out FeedPosition position)
    {
        position = Start;
        Span<byte> bytes = stackalloc byte[Length];
        if (cursor is null || !Base64Url.IsValid(cursor, out var decoded) || decoded != Length
            || !Base64Url.TryDecodeFromChars(cursor, bytes, out var written) || written != Length
            || bytes[0] != Version || !bytes.Slice(1, TagLength).SequenceEqual(Tag(districtId)))
            return false;
        position = new(BinaryPrimitives.ReadInt64BigEndian(bytes[(1 + TagLength)..]), BinaryPrimitives.ReadInt64BigEndian(bytes[(1 + TagLength + 8)..]));
        return position.Seq >= 0 && position.Sub >= 0;
    }

    private static byte[] Tag(Guid districtId) => SHA256.HashData(districtId.ToByteArray())[..TagLength];
}
