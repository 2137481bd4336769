using System.Buffers.Binary;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.History;

/// <summary>
/// One change to a record, by a run (<c>runId</c>) or through the Api (<c>apiKeyId</c>, null for the operator), with
/// the rule that decided it: what an admin reads to answer "why did this field not update?" (issue 6).
/// </summary>
public sealed record HistoryEntry(
    [property: Closed(nameof(Vocabularies.HistoryAuthor))] string By, Guid? RunId, Guid? ApiKeyId, DateTimeOffset At,
    [property: Closed(nameof(Vocabularies.ChangeAction))] string Action, string? Field, string? Before, string? After, string? Rule);

/// <summary>Who made a change in a record's history.</summary>
public static class HistoryAuthors
{
    public const string Run = "run";
    public const string Api = "api";
}

public sealed record HistoryQuery([property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

/// <summary>A field edit made through the Api, recorded as a <see cref="ManualChange"/>.</summary>
public sealed record FieldEdit(string Field, string? Before, string? After, string? Rule = null);

public static class RecordHistory
{
    /// <summary>
    /// Ends a link made by hand (DELETE of an enrollment or guardian link): the row stays, ended, and its history
    /// names the key that ended it. A synced link answers <paramref name="synced"/>; an ended one, 204 again.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> EndManualLinkAsync(
        RosterDbContext db, ClaimsPrincipal user, Guid districtId, string entity, ILink? link, Func<ProblemHttpResult> synced, CancellationToken ct)
    {
        if (link is null) return Problems.NotFound();
        if (link.Origin != Origins.Manual) return synced();
        if (link.EndedAt is not null) return TypedResults.NoContent();
        var now = DateTimeOffset.UtcNow;
        link.EndedAt = now;
        Record(db, user, districtId, entity, link.Id, ChangeActions.Removed, [new FieldEdit("active", "true", "false")], now);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    public static void Record(RosterDbContext db, ClaimsPrincipal user, Guid districtId, string entity, Guid recordId, string action,
        IEnumerable<FieldEdit> edits, DateTimeOffset at)
    {
        var rows = edits.Select(e => new ManualChange
        {
            DistrictId = districtId, Entity = entity, RecordId = recordId, Action = action,
            Field = e.Field, Before = e.Before, After = e.After, Rule = e.Rule, ApiKeyId = user.ApiKeyId(), ChangedAt = at,
        }).ToList();
        if (rows.Count == 0)
            rows.Add(new ManualChange { DistrictId = districtId, Entity = entity, RecordId = recordId, Action = action, ApiKeyId = user.ApiKeyId(), ChangedAt = at });
        db.ManualChanges.AddRange(rows);
    }

    /// <summary>Newest first: applied changes of succeeded, non-dry runs and the Api's edits, keyset-paged over (at, source, id).</summary>
    public static async Task<Results<Ok<Page<HistoryEntry>>, ValidationProblem>> ListAsync(
        RosterDbContext db, Guid districtId, Guid recordId, HistoryQuery query, Cursor cursor, CancellationToken ct)
    {
        if (!TryReadCursor(cursor, query.Cursor, out var after)) return Cursor.Invalid();
        // Source 1 = a run's change, 0 = an Api edit: a tie-breaker between the two id sequences.
        var byRuns =
            from c in db.RunChanges
            join r in db.SyncRuns on c.RunId equals r.Id
            where c.DistrictId == districtId && c.RecordId == recordId && c.Action != ChangeActions.Unchanged
                && r.Status == RunStatus.Succeeded && !r.DryRun
            select new { c.Id, Source = 1, RunId = (Guid?)r.Id, ApiKeyId = (Guid?)null, At = r.FinishedAt ?? r.QueuedAt, c.Action, c.Field, c.Before, c.After, c.Rule };
        var byApi =
            from m in db.ManualChanges
            where m.DistrictId == districtId && m.RecordId == recordId
            select new { m.Id, Source = 0, RunId = (Guid?)null, m.ApiKeyId, At = m.ChangedAt, m.Action, m.Field, m.Before, m.After, m.Rule };
        var all = byRuns.Concat(byApi);
        if (after is { } last)
            all = all.Where(h => h.At < last.At || (h.At == last.At && (h.Source < last.Source || (h.Source == last.Source && h.Id < last.Id))));
        var rows = await all.OrderByDescending(h => h.At).ThenByDescending(h => h.Source).ThenByDescending(h => h.Id)
            .TakePage(query).ToListAsync(ct);
        var next = rows.Count > query.LimitOf() ? rows[query.LimitOf() - 1] : null;
        var items = rows.Take(query.LimitOf())
            .Select(h => new HistoryEntry(h.Source == 1 ? HistoryAuthors.Run : HistoryAuthors.Api, h.RunId, h.ApiKeyId, h.At, h.Action, h.Field, h.Before, h.After, h.Rule))
            .ToList();
        return TypedResults.Ok(new Page<HistoryEntry>(items, next is null ? null : CursorOf(cursor, next.At, next.Source, next.Id)));
    }

    private const int CursorKeyLength = 8 + 4 + 8;

    private static string CursorOf(Cursor cursor, DateTimeOffset at, int source, long id)
    {
        Span<byte> key = stackalloc byte[CursorKeyLength];
        BinaryPrimitives.WriteInt64BigEndian(key, at.UtcTicks);
        BinaryPrimitives.WriteInt32BigEndian(key[8..], source);
        BinaryPrimitives.WriteInt64BigEndian(key[12..], id);
        return cursor.Of(key);
    }

    private static bool TryReadCursor(Cursor cursor, string? text, out (DateTimeOffset At, int Source, long Id)? value)
    {
        value = null;
        if (!cursor.TryRead(text, CursorKeyLength, out var key)) return false;
        if (key is null) return true;
        var ticks = BinaryPrimitives.ReadInt64BigEndian(key);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks) return false;
        value = (new DateTimeOffset(ticks, TimeSpan.Zero), BinaryPrimitives.ReadInt32BigEndian(key.AsSpan(8)), BinaryPrimitives.ReadInt64BigEndian(key.AsSpan(12)));
        return true;
    }
}
