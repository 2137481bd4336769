using System.Globalization;
using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Model;

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

    /// <summary>The one record <paramref name="rows"/> selects, read with its row version, or null.</summary>
    public static Task<Versioned<T>?> SingleVersionedAsync<T>(this IQueryable<T> rows, CancellationToken ct) where T : class =>
        rows.AsNoTracking().Select(r => new Versioned<T>(r, EF.Property<uint>(r, RowVersion.Property))).SingleOrDefaultAsync(ct);

    /// <summary>
    /// With an If-Match, only the row still at <paramref name="version"/>: an update that then changes no row lost a race
    /// and answers 412. Without one, the rows as they are (last write wins, as the client asked).
    /// </summary>
    public static IQueryable<T> StillAt<T>(this IQueryable<T> rows, HttpRequest request, uint version) where T : class =>
        HasIfMatch(request) ? rows.Where(r => EF.Property<uint>(r, RowVersion.Property) == version) : rows;
}

/// <summary>A record as read for an answer, with its row version (the ETag).</summary>
public sealed record Versioned<T>(T Record, uint Version);
