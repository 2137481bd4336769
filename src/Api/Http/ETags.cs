using System.Globalization;

namespace RosterSync.Api.Http;

/// <summary>
/// Strong ETags from PostgreSQL's xmin, which changes on every update of the row. <c>If-Match</c> is optional on
/// PATCH and PUT; when given and stale the answer is 412 (issue 6).
/// </summary>
public static class ETags
{
    public static string Of(uint version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    public static void Set(HttpResponse response, uint version) => response.Headers.ETag = Of(version);

    public static bool HasIfMatch(HttpRequest request) => request.Headers.IfMatch.Count > 0;

    /// <summary>True when there is no If-Match, or it names <paramref name="current"/> (or *, and the record exists).</summary>
    public static bool IfMatchAllows(HttpRequest request, uint? current) =>
        !HasIfMatch(request) || (current is { } v && request.Headers.IfMatch.SelectMany(h => (h ?? "").Split(','))
            .Select(t => t.Trim()).Any(t => t == "*" || t == Of(v)));
}
