using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace RosterSync.Api.Http;

/// <summary>
/// Opaque keyset cursors, bound to the list that handed them out. A cursor is a tag and the last key of a page,
/// base64url-encoded. Keyset (not offset) paging stays correct while records are added or changed between pages.
/// The tag is a hash of the list's route (which names the district and any parent record) and its filters, so a
/// cursor from another district's list, from another list, or from the same list with other filters is a 400, not a
/// page of something else. The tag is a check, not a secret: a made-up cursor can only page a list its caller may
/// read anyway. A list handler takes a <see cref="Cursor"/> parameter; minimal APIs bind it from the request.
/// </summary>
public sealed class Cursor
{
    private const int TagLength = 8;
    private static readonly string[] NotFilters = ["cursor", "limit"];

    private readonly byte[] _tag;

    private Cursor(byte[] tag) => _tag = tag;

    public static ValueTask<Cursor?> BindAsync(HttpContext context) => ValueTask.FromResult<Cursor?>(new Cursor(TagOf(context)));

    public string Of(Guid id) => Of(id.ToByteArray(bigEndian: true));

    public string Of(long id)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, id);
        return Of(bytes);
    }

    public string Of(ReadOnlySpan<byte> key) => Base64Url.EncodeToString([.. _tag, .. key]);

    public bool TryRead(string? cursor, out Guid? id)
    {
        id = null;
        if (!TryRead(cursor, 16, out var key)) return false;
        if (key is not null) id = new Guid(key, bigEndian: true);
        return true;
    }

    public bool TryRead(string? cursor, out long? id)
    {
        id = null;
        if (!TryRead(cursor, 8, out var key)) return false;
        if (key is not null) id = BinaryPrimitives.ReadInt64BigEndian(key);
        return true;
    }

    /// <summary>True with a null key when there is no cursor; false when it is not one this list handed out.</summary>
    public bool TryRead(string? cursor, int keyLength, out byte[]? key)
    {
        key = null;
        if (cursor is null) return true;
        var length = TagLength + keyLength;
        var bytes = new byte[length];
        if (!Base64Url.IsValid(cursor, out var decoded) || decoded != length
            || !Base64Url.TryDecodeFromChars(cursor, bytes, out var written) || written != length
            || !bytes.AsSpan(0, TagLength).SequenceEqual(_tag))
            return false;
        key = bytes[TagLength..];
        return true;
    }

    public static ValidationProblem Invalid() => Problems.Invalid("cursor",
        "Not a cursor this list handed out: a cursor continues only the list (district, path and filters) whose nextCursor it was.");

    /// <summary>The route pattern, the route values and every query parameter but the cursor and the page size.</summary>
    private static byte[] TagOf(HttpContext context)
    {
        var list = new StringBuilder((context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value);
        foreach (var (name, value) in context.Request.RouteValues.OrderBy(v => v.Key, StringComparer.OrdinalIgnoreCase))
            list.Append('\n').Append(name.ToLowerInvariant()).Append('=').Append(value);
        foreach (var (name, values) in context.Request.Query.Where(q => !NotFilters.Contains(q.Key, StringComparer.OrdinalIgnoreCase))
                     .OrderBy(q => q.Key, StringComparer.OrdinalIgnoreCase))
            list.Append('\n').Append(name.ToLowerInvariant()).Append('?').AppendJoin('&', (IEnumerable<string?>)values);
        return SHA256.HashData(Encoding.UTF8.GetBytes(list.ToString()))[..TagLength];
    }
}
