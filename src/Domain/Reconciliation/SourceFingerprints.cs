using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

/// <summary>
/// Stable 64-bit hashes of what a snapshot says (issue 12). A person's fingerprint covers everything a rule reads of its rows:
/// the people row (every field <see cref="PersonFields"/> lists as sent by a source, roles, SIS id, schools), its enrollments
/// and the guardian links it is either end of; rows are summed, so their order in the files does not matter. The basis covers
/// what every person's plan depends on: the source kind, the settings, and the schools, sessions and courses sent.
/// </summary>
public static class SourceFingerprints
{
    /// <summary>Fingerprints of the snapshot's people by source id (a source id sent twice: the sum of both rows).</summary>
    public static Dictionary<string, long> People(Snapshot snapshot)
    {
        var prints = new Dictionary<string, long>(snapshot.People.Count, StringComparer.Ordinal);
        var row = new RowHash();
        foreach (var p in snapshot.People)
        {
            row.Start('p').Add(p.SourceId).Add(p.SisId).Add(p.PrimarySchoolSourceId);
            foreach (var field in PersonFields.All)
                if (field.FromSource is { } sent) row.Add(sent(p));
            row.Add(p.Roles.Count);
            foreach (var role in p.Roles) row.Add(role);
            row.Add(p.SchoolSourceIds.Count);
            foreach (var school in p.SchoolSourceIds) row.Add(school);
            ref var print = ref CollectionsMarshal.GetValueRefOrAddDefault(prints, p.SourceId, out _);
            print = unchecked(print + row.Value);
        }
        var enrollments = snapshot.Enrollments;
        for (var i = 0; i < enrollments.Count; i++)
        {
            var (classSourceId, personSourceId, role) = enrollments.Keys(i);
            ref var print = ref CollectionsMarshal.GetValueRefOrNullRef(prints, personSourceId);
            if (!Unsafe.IsNullRef(ref print)) print = unchecked(print + row.Start('e').Add(classSourceId).Add(role).Add(enrollments.SourceId(i)).Value);
        }
        foreach (var link in snapshot.GuardianLinks)
        {
            var hash = row.Start('g').Add(link.GuardianSourceId).Add(link.StudentSourceId).Add(link.Relationship).Add(link.StudentEmail).Value;
            AddIfSent(prints, link.GuardianSourceId, hash);
            if (link.StudentSourceId != link.GuardianSourceId) AddIfSent(prints, link.StudentSourceId, hash);
        }
        return prints;
    }

    /// <summary>What every person's plan depends on besides its own rows; a re-sync with another basis plans every record.</summary>
    public static long Basis(Snapshot snapshot, SyncSettings settings)
    {
        var h = new RowHash().Start('b').Add(snapshot.LinkKind).Add(JsonSerializer.Serialize(settings, JsonSerializerOptions.Web));
        foreach (var (kind, mode) in snapshot.Modes.OrderBy(m => m.Key, StringComparer.Ordinal)) h.Add(kind).Add(mode.ToString());
        h.Add(snapshot.Schools.Count);
        foreach (var s in snapshot.Schools) h.Add(s.SourceId).Add(s.Name).Add(s.Identifier);
        h.Add(snapshot.Sessions.Count);
        foreach (var s in snapshot.Sessions) h.Add(JsonSerializer.Serialize(s with { At = default! }));
        h.Add(snapshot.Courses.Count);
        foreach (var c in snapshot.Courses) h.Add(JsonSerializer.Serialize(c with { At = default! }));
        return h.Value;
    }

    private static void AddIfSent(Dictionary<string, long> prints, string sourceId, long hash)
    {
        ref var print = ref CollectionsMarshal.GetValueRefOrNullRef(prints, sourceId);
        if (!Unsafe.IsNullRef(ref print)) print = unchecked(print + hash);
    }

    /// <summary>
    /// One row's fields written into a reused buffer, then hashed at once with XXH3 (vectorised, stable across processes unlike
    /// <see cref="HashCode"/>). Rows are summed, which XXH3's well-spread output allows without a finalizer.
    /// </summary>
    private sealed class RowHash
    {
        // Separators no roster value holds, so ("ab", "c") and ("a", "bc") differ, and null differs from "".
        private const char End = '\u001F', Null = '\uFFFF';
        private char[] _buffer = new char[256];
        private int _length;

        /// <summary>Starts a row of the given kind (people, enrollment, guardian link), so rows of different kinds differ.</summary>
        public RowHash Start(char kind)
        {
            _length = 0;
            return Append(kind);
        }

        public RowHash Add(string? text)
        {
            if (text is null) return Append(Null).Append(End);
            Reserve(text.Length + 1);
            text.CopyTo(_buffer.AsSpan(_length));
            _length += text.Length;
            return Append(End);
        }

        public RowHash Add(int value)
        {
            Reserve(12);
            value.TryFormat(_buffer.AsSpan(_length), out var written, provider: CultureInfo.InvariantCulture);
            _length += written;
            return Append(End);
        }

        public long Value => unchecked((long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(_buffer.AsSpan(0, _length))));

        private RowHash Append(char c)
        {
            Reserve(1);
            _buffer[_length++] = c;
            return this;
        }

        private void Reserve(int more)
        {
            if (_length + more > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }
}

/// <summary>What a run stores of the fingerprints once its plan is applied.</summary>
/// <param name="Written">The fingerprint of each person the plan writes or creates (the applier stores it with the record).</param>
/// <param name="Others">Other planned people whose stored fingerprint changes (null: plan it next time).</param>
public sealed record FingerprintUpdates(Dictionary<Guid, long> Written, List<(Guid Id, long? Print)> Others)
{
    /// <summary>
    /// A person planned from rows of <paramref name="planned"/> keeps their fingerprint when it is active and holds the source id of
    /// those rows, and no issue names that source id (a skipped or conflicting row is planned again). Every other person the plan
    /// saw (<paramref name="state"/>) is stored without one.
    /// </summary>
    public static FingerprintUpdates After(
        Snapshot planned, Dictionary<string, long> prints, RosterState state, Plan plan, Func<Guid, long?> stored)
    {
        var sent = planned.People.Select(p => p.SourceId).ToHashSet(StringComparer.Ordinal);
        var named = plan.Issues.Where(i => i.Entity == Entities.Person && i.SourceId is not null).Select(i => i.SourceId!).ToHashSet(StringComparer.Ordinal);
        var byId = new Dictionary<Guid, PersonRecord>(plan.People.Count);
        foreach (var p in plan.People) byId[p.Id] = p;
        var written = new Dictionary<Guid, long>();
        long? PrintOf(PersonRecord p) =>
            p.Status == RecordStatus.Active && p.Links.Get(planned.LinkKind) is { } link && sent.Contains(link) && !named.Contains(link)
            && prints.TryGetValue(link, out var print) ? print : null;
        foreach (var p in plan.People)
            if (PrintOf(p) is { } print) written[p.Id] = print;
        var others = new List<(Guid, long?)>();
        foreach (var p in state.People)
        {
            if (byId.ContainsKey(p.Id)) continue;
            var print = PrintOf(p);
            if (print != stored(p.Id)) others.Add((p.Id, print));
        }
        return new(written, others);
    }
}
