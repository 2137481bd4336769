using System.Text.Json;
using Npgsql;
using RosterSync.Domain.Model;

namespace RosterSync.Domain.Events;

/// <summary>A page of the feed. <see cref="Next"/> is where to continue, also when nothing came (poll with it again).</summary>
public sealed record FeedPage(IReadOnlyList<FeedEvent> Events, FeedPosition Next, bool HasMore);

/// <summary>
/// Reads a district's feed (SPEC §9) from the change journal itself: the Api's edits (manual_changes) and the runs' outcomes
/// (run_events), ordered by the district's event sequence, with each applied run's changes (run_changes) in journal order
/// before its outcome. This is the one place that reads the journal for events: if the journal changes shape, only this
/// class follows.
/// </summary>
public static class EventFeed
{
    private const int EntryBatch = 200;
    private const int ChangeBatch = 2_000;
    /// <summary>Rows one request reads at most, whatever the filter: a page may come back short with <c>HasMore</c>.</summary>
    private const int ScanBudget = 20_000;

    /// <summary>
    /// The events after <paramref name="after"/> matching <paramref name="types"/> (all when empty), at most <paramref name="limit"/>;
    /// null when events after the cursor have passed the retention (the client must re-read the roster).
    /// </summary>
    public static async Task<FeedPage?> ReadAsync(
        NpgsqlConnection connection, Guid districtId, FeedPosition? after, IReadOnlyCollection<string> types, int limit,
        EventFeedOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var cutoff = now - options.Retention;
        var from = after ?? FeedPosition.Start;
        if (after is not null && await ExpiredAsync(connection, districtId, from, cutoff, ct)) return null;

        var reader = new PageBuilder(districtId, types, limit);
        var position = from;
        var scanned = 0;
        while (true)
        {
            var entries = await EntriesAsync(connection, districtId, position, cutoff, ct);
            foreach (var entry in entries)
            {
                if (entry.Run is { } run)
                {
                    var sub = entry.Seq == position.Seq ? position.Sub : 0;
                    if (sub == FeedPosition.End) continue;
                    // An export run that partly succeeded has applied the SIS ids it got (SPEC §6): its changes are in the feed too.
                    var applied = run.Status is RunStatus.Succeeded or Export.ExportRunStatuses.PartiallySucceeded;
                    var bulk = applied && FeedRules.IsBulk(run.Counts, options.BulkRunThreshold);
                    if (applied && !bulk)
                    {
                        while (true)
                        {
                            var rows = await RunChangesAsync(connection, districtId, run.Id, entry.Seq, entry.At, sub, ct);
                            scanned += rows.Count;
                            foreach (var row in rows) reader.Add(row);
                            if (reader.Full) return reader.Page(from, hasMore: true);
                            if (scanned >= ScanBudget) return reader.Page(from, hasMore: true);
                            if (rows.Count < ChangeBatch) break;
                            sub = rows[^1].Position.Sub;
                        }
                    }
                    reader.Add(new FeedEvent(new FeedPosition(entry.Seq, FeedPosition.End).ToCursor(districtId), entry.Seq,
                        EventTypes.OfRun(run.Status, entry.RunSourceKind!), entry.At, null, null, null, [], null, run.Id, null, run with { RereadRoster = bulk }));
                }
                else reader.Add(entry.Row!);
                scanned++;
                if (reader.Full || scanned >= ScanBudget) return reader.Page(from, hasMore: true);
            }
            if (entries.Count < EntryBatch) return reader.Page(from, hasMore: false);
            position = new FeedPosition(entries[^1].Seq, FeedPosition.End);
        }
    }

    /// <summary>The position after the district's newest event: where a client that has just read the roster continues.</summary>
    public static async Task<FeedPosition> HeadAsync(NpgsqlConnection connection, Guid districtId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT last_seq FROM event_sequences WHERE district_id = $1", connection);
        Add(command, districtId);
        return new FeedPosition(await command.ExecuteScalarAsync(ct) is long seq ? seq : 0, FeedPosition.End);
    }

    /// <summary>
    /// Whether an event after the cursor is older than the retention: the client missed events the feed no longer serves. Api edits
    /// stay in the journal; run outcomes past the retention are purged, and the district's <c>expired_seq</c> remembers them.
    /// </summary>
    private static async Task<bool> ExpiredAsync(NpgsqlConnection connection, Guid districtId, FeedPosition after, DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM manual_changes WHERE district_id = $1 AND seq >= $2 AND changed_at < $3)
                OR EXISTS (SELECT 1 FROM run_events WHERE district_id = $1 AND seq >= $2 AND occurred_at < $3)
                OR EXISTS (SELECT 1 FROM event_sequences WHERE district_id = $1 AND expired_seq >= $2)
            """, connection);
        Add(command, districtId, after.Sub == FeedPosition.End ? after.Seq + 1 : after.Seq, cutoff);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    private sealed record Entry(long Seq, DateTimeOffset At, JournalRow? Row, RunOutcome? Run, string? RunSourceKind = null);

    private static async Task<List<Entry>> EntriesAsync(NpgsqlConnection connection, Guid districtId, FeedPosition after, DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT m.seq, m.changed_at, NULL::uuid, m.entity, m.record_id, m.action, m.field, m.before, m.after, m.rule, m.api_key_id,
                   NULL::text, NULL::text, NULL::text, NULL::text, NULL::uuid, NULL::text
            FROM manual_changes m WHERE m.district_id = $1 AND m.seq > $2 AND m.changed_at >= $3
            UNION ALL
            SELECT e.seq, e.occurred_at, e.run_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   e.status, e.counts::text, e.error, r.trigger, r.reverts_run_id, r.source_kind
            FROM run_events e JOIN sync_runs r ON r.id = e.run_id WHERE e.district_id = $1 AND e.seq >= $2 AND e.occurred_at >= $3
            ORDER BY 1 LIMIT {EntryBatch}
            """, connection);
        Add(command, districtId, after.Seq, cutoff);
        var entries = new List<Entry>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var seq = reader.GetInt64(0);
            var at = reader.GetFieldValue<DateTimeOffset>(1);
            if (reader.IsDBNull(2))
            {
                entries.Add(new(seq, at, new JournalRow(new FeedPosition(seq, FeedPosition.End), at, reader.GetString(3), reader.GetGuid(4), null,
                    reader.GetString(5), Text(reader, 6), Text(reader, 7), Text(reader, 8), Text(reader, 9), null,
                    reader.IsDBNull(10) ? null : reader.GetGuid(10)), null));
                continue;
            }
            var counts = JsonSerializer.Deserialize<RunCounts>(reader.GetString(12), JsonSerializerOptions.Web) ?? new RunCounts();
            entries.Add(new(seq, at, null, new RunOutcome(reader.GetGuid(2), reader.GetString(11), reader.GetString(14),
                reader.IsDBNull(15) ? null : reader.GetGuid(15), counts, Text(reader, 13), RereadRoster: false), reader.GetString(16)));
        }
        return entries;
    }

    /// <summary>An applied run's changes after <paramref name="afterId"/>, in journal order; "unchanged" and "skipped" change nothing.</summary>
    private static async Task<List<JournalRow>> RunChangesAsync(
        NpgsqlConnection connection, Guid districtId, Guid runId, long seq, DateTimeOffset at, long afterId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT id, entity, record_id, source_id, action, field, before, after, rule FROM run_changes
            WHERE run_id = $1 AND district_id = $2 AND id > $3 AND action NOT IN ('{ChangeActions.Unchanged}', '{ChangeActions.Skipped}')
            ORDER BY id LIMIT {ChangeBatch}
            """, connection);
        Add(command, runId, districtId, afterId);
        var rows = new List<JournalRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new JournalRow(new FeedPosition(seq, reader.GetInt64(0)), at, reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2),
                Text(reader, 3), reader.GetString(4), Text(reader, 5), Text(reader, 6), Text(reader, 7), Text(reader, 8), runId, null));
        return rows;
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static void Add(NpgsqlCommand command, params object[] values)
    {
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
    }

    /// <summary>
    /// Collects events in feed order. Rows wait in <c>_pending</c> until a row of another event arrives, so an event is complete
    /// before it counts; a page ends after the last complete event it returns.
    /// </summary>
    private sealed class PageBuilder(Guid districtId, IReadOnlyCollection<string> types, int limit)
    {
        private readonly List<FeedEvent> _matched = [];
        private readonly List<JournalRow> _pending = [];
        private FeedPosition? _lastComplete;

        public bool Full => _matched.Count > limit;

        public void Add(JournalRow row)
        {
            if (_pending.Count > 0 && !FeedRules.SameEvent(_pending[^1], row)) Flush();
            _pending.Add(row);
        }

        public void Add(FeedEvent runEvent)
        {
            Flush();
            Complete(runEvent, new FeedPosition(runEvent.Sequence, FeedPosition.End));
        }

        public FeedPage Page(FeedPosition from, bool hasMore)
        {
            if (!hasMore) Flush();
            if (_matched.Count > limit)
            {
                var page = _matched[..limit];
                FeedPosition.TryParse(page[^1].Id, districtId, out var next);
                return new FeedPage(page, next, true);
            }
            var last = _lastComplete is { } complete && complete > from ? complete : from;
            return new FeedPage(_matched, last, hasMore);
        }

        private void Flush()
        {
            if (_pending.Count == 0) return;
            foreach (var e in FeedRules.Group(_pending, districtId)) Complete(e, _pending[^1].Position);
            _pending.Clear();
        }

        private void Complete(FeedEvent e, FeedPosition last)
        {
            if (EventTypes.Matches(types, e.Type)) _matched.Add(e);
            _lastComplete = _lastComplete is { } known && known > last ? known : last;
        }
    }
}
