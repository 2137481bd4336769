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
        foreach (var p in snapshot.People)
        {
            var h = Fnv.Start.Add(p.SourceId).Add(p.SisId).Add(p.PrimarySchoolSourceId);
            foreach (var field in PersonFields.All)
                if (field.FromSource is { } sent) h = h.Add(field.Name).Add(sent(p));
            h = h.Add(p.Roles.Count);
            foreach (var role in p.Roles) h = h.Add(role);
            h = h.Add(p.SchoolSourceIds.Count);
            foreach (var school in p.SchoolSourceIds) h = h.Add(school);
            AddTo(prints, p.SourceId, h.Value);
        }
        var enrollments = snapshot.Enrollments;
        for (var i = 0; i < enrollments.Count; i++)
        {
            var (classSourceId, personSourceId, role) = enrollments.Keys(i);
            if (prints.ContainsKey(personSourceId))
                AddTo(prints, personSourceId, Fnv.Start.Add("enrollment").Add(classSourceId).Add(role).Add(enrollments.SourceId(i)).Value);
        }
        foreach (var link in snapshot.GuardianLinks)
        {
            var row = Fnv.Start.Add("guardian").Add(link.GuardianSourceId).Add(link.StudentSourceId).Add(link.Relationship).Add(link.StudentEmail).Value;
            if (prints.ContainsKey(link.GuardianSourceId)) AddTo(prints, link.GuardianSourceId, row);
            if (link.StudentSourceId != link.GuardianSourceId && prints.ContainsKey(link.StudentSourceId)) AddTo(prints, link.StudentSourceId, row);
        }
        return prints;
    }

    /// <summary>What every person's plan depends on besides its own rows; a re-sync with another basis plans every record.</summary>
    public static long Basis(Snapshot snapshot, SyncSettings settings)
    {
        var h = Fnv.Start.Add(snapshot.LinkKind).Add(JsonSerializer.Serialize(settings, JsonSerializerOptions.Web));
        foreach (var (kind, mode) in snapshot.Modes.OrderBy(m => m.Key, StringComparer.Ordinal)) h = h.Add(kind).Add(mode.ToString());
        h = h.Add(snapshot.Schools.Count);
        foreach (var s in snapshot.Schools) h = h.Add(s.SourceId).Add(s.Name).Add(s.Identifier);
        h = h.Add(snapshot.Sessions.Count);
        foreach (var s in snapshot.Sessions) h = h.Add(JsonSerializer.Serialize(s with { At = default! }));
        h = h.Add(snapshot.Courses.Count);
        foreach (var c in snapshot.Courses) h = h.Add(JsonSerializer.Serialize(c with { At = default! }));
        return h.Value;
    }

    private static void AddTo(Dictionary<string, long> prints, string key, long value) =>
        prints[key] = unchecked(prints.GetValueOrDefault(key) + Mix(value));

    // A finalizer (splitmix64) so that summing row hashes keeps their bits spread.
    private static long Mix(long value)
    {
        var z = unchecked((ulong)value + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return unchecked((long)(z ^ (z >> 31)));
    }

    /// <summary>FNV-1a over UTF-16 code units; stable across processes (unlike <see cref="HashCode"/>).</summary>
    private readonly record struct Fnv(ulong Hash)
    {
        public static Fnv Start => new(14695981039346656037UL);
        public long Value => unchecked((long)Hash);

        public Fnv Add(string? text)
        {
            var h = Hash;
            if (text is null) h = unchecked((h ^ 0xFFFF) * 1099511628211UL);
            else
                foreach (var c in text) h = unchecked((h ^ c) * 1099511628211UL);
            // A separator, so ("ab", "c") and ("a", "bc") differ.
            return new(unchecked((h ^ 0x1F) * 1099511628211UL));
        }

        public Fnv Add(int value) => Add(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
