using RosterSync.Domain.Model;

namespace RosterSync.Domain.Events;

/// <summary>One row of the change journal: a run's change (run_changes) or an Api edit (manual_changes).</summary>
public sealed record JournalRow(
    FeedPosition Position, DateTimeOffset At, string Entity, Guid? RecordId, string? SourceId, string Action,
    string? Field, string? Before, string? After, string? Rule, Guid? RunId, Guid? ApiKeyId);

/// <summary>The feed's decisions, pure: which rows make one event, and which runs are too large to list record by record.</summary>
public static class FeedRules
{
    /// <summary>
    /// The journal keeps one row per changed field; an event is one record's change: consecutive rows of the same record,
    /// action and cause (the same run, or the same Api edit). The event's position is its last row's, so a cursor never
    /// stops inside an event.
    /// </summary>
    public static List<FeedEvent> Group(IReadOnlyList<JournalRow> rows, Guid districtId)
    {
        var events = new List<FeedEvent>();
        var start = 0;
        for (var i = 1; i <= rows.Count; i++)
        {
            if (i < rows.Count && SameEvent(rows[start], rows[i])) continue;
            events.Add(EventOf(rows, start, i, districtId));
            start = i;
        }
        return events;
    }

    /// <summary>Whether a run's record events are left out of the feed for one event telling consumers to read the roster again.</summary>
    public static bool IsBulk(RunCounts counts, int threshold) => ChangedRecords(counts) > threshold;

    public static long ChangedRecords(RunCounts counts) =>
        new[] { counts.People, counts.Schools, counts.Classes, counts.Enrollments, counts.GuardianLinks, counts.Memberships }
            .Sum(a => a.Created + a.Updated + a.Archived + a.Removed + a.Restored);

    public static bool SameEvent(JournalRow first, JournalRow next) =>
        next.Entity == first.Entity && next.RecordId == first.RecordId && next.Action == first.Action && next.RunId == first.RunId
        && (first.RunId is not null ? next.Position.Seq == first.Position.Seq : next.ApiKeyId == first.ApiKeyId && next.At == first.At);

    private static FeedEvent EventOf(IReadOnlyList<JournalRow> rows, int start, int end, Guid districtId)
    {
        var first = rows[start];
        var last = rows[end - 1];
        var changes = new List<FieldChange>(end - start);
        string? rule = null;
        for (var i = start; i < end; i++)
        {
            var row = rows[i];
            rule ??= row.Rule;
            if (row.Field is not null) changes.Add(new(row.Field, row.Before, row.After, row.Rule));
        }
        return new FeedEvent(last.Position.ToCursor(districtId), last.Position.Seq, EventTypes.OfChange(first.Entity, first.Action), last.At,
            first.Entity, first.RecordId, first.SourceId ?? rows.Skip(start).Take(end - start).FirstOrDefault(r => r.SourceId is not null)?.SourceId,
            changes, rule, first.RunId, first.ApiKeyId, null);
    }
}
