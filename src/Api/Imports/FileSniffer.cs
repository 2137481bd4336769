using System.Text;

namespace RosterSync.Api.Imports;

/// <summary>Tells a zip from a CSV from anything else by the first bytes, before a run is spent on it.</summary>
public static class FileSniffer
{
    public enum Kind { Zip, Text, Other }

    private const int TextSample = 64 * 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<Kind> SniffAsync(Stream content, CancellationToken ct)
    {
        var buffer = new byte[TextSample];
        var length = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        var head = buffer.AsSpan(0, length);
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8)) return Kind.Zip;
        return LooksLikeText(head) ? Kind.Text : Kind.Other;
    }

    /// <summary>UTF-8 (a sequence cut at the end of the sample is fine) without NUL or other control bytes but tab, CR, LF.</summary>
    private static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        if (head.IndexOfAnyInRange((byte)0, (byte)8) >= 0 || head.IndexOfAnyInRange((byte)14, (byte)31) >= 0 || head.Contains((byte)11) || head.Contains((byte)12))
            return false;
        for (var cut = 0; cut < 4 && cut < head.Length; cut++)
        {
            try
            {
                StrictUtf8.GetCharCount(head[..^cut]);
                return true;
            }
            catch (DecoderFallbackException)
            {
                if (head.Length < TextSample) return false;
            }
        }
        return false;
    }
}
