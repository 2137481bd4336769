using System.Buffers.Binary;
using System.Buffers.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace RosterSync.Api.Http;

/// <summary>
/// Opaque keyset cursors: the last key of a page, base64url-encoded. Keyset (not offset) paging stays correct while
/// records are added or changed between pages.
/// </summary>
public static class Cursor
{
    public static string Of(Guid id) => Base64Url.EncodeToString(id.ToByteArray(bigEndian: true));

    public static string Of(long id)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, id);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryRead(string? cursor, out Guid? id)
    {
        id = null;
        if (cursor is null) return true;
        if (!TryDecode(cursor, 16, out var bytes)) return false;
        id = new Guid(bytes, bigEndian: true);
        return true;
    }

    public static bool TryRead(string? cursor, out long? id)
    {
        id = null;
        if (cursor is null) return true;
        if (!TryDecode(cursor, 8, out var bytes)) return false;
        id = BinaryPrimitives.ReadInt64BigEndian(bytes);
        return true;
    }

    public static ValidationProblem Invalid() => Problems.Invalid("cursor", "The cursor is not one this list returned.");

    private static bool TryDecode(string cursor, int length, out byte[] bytes)
    {
        bytes = new byte[length];
        return Base64Url.IsValid(cursor, out var decoded) && decoded == length
            && Base64Url.TryDecodeFromChars(cursor, bytes, out var written) && written == length;
    }
}
