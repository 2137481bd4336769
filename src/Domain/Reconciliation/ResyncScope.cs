using System.Runtime.InteropServices;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

/// <summary>A person as a fingerprinted re-sync first sees it: enough to decide whether its rows changed, not its fields.</summary>
/// <param name="Link">Its source link of the snapshot's kind.</param>
/// <param name="Fingerprint">Of the rows the last run planned it from; null when never planned, or edited since (Api).</param>
public sealed record StoredPerson(Guid Id, string? Link, string? NormalizedEmail, string Origin, long? Fingerprint);

/// <summary>A person as the database index holds it, before the snapshot says which source link kind counts.</summary>
public sealed record StoredPersonLinks(Guid Id, SourceLinks Links, string? NormalizedEmail, string Origin, long? Fingerprint)
{
    public StoredPerson For(string linkKind) => new(Id, Links.Get(linkKind), NormalizedEmail, Origin, Fingerprint);
}

/// <summary>
/// Which part of a snapshot a re-sync plans (issue 12): the people whose rows changed since the run that stored their fingerprints,
/// those gone from the source, and their neighbourhood — every person a rule consults for them: who shares an email or source id
/// with them (R1–R6), and who is linked to them as guardian or student (R11, R15), transitively. Everything else would plan as
/// unchanged, so it is counted unchanged without planning. Schools, classes, sessions and courses are always planned whole.
/// </summary>
public sealed class ResyncScope
{
    /// <summary>The snapshot to plan: every kind whole except people, their enrollments and guardian links.</summary>
    public required Snapshot Subset { get; init; }
    /// <summary>The people of the district whose records (and links) the planner needs.</summary>
    public required HashSet<Guid> People { get; init; }
    /// <summary>People rows, memberships, enrollments and guardian links left out, each of which the full plan counts unchanged.</summary>
    public required (long People, long Memberships, long Enrollments, long GuardianLinks) LeftOut { get; init; }

    /// <summary>
    /// The scope of a re-sync, or null with the reason the whole snapshot must be planned. <paramref name="classes"/> and
    /// <paramref name="schools"/> are the district's (whole); <paramref name="guardianPairs"/> its guardian links (guardian, student).
    /// </summary>
    public static (ResyncScope? Scope, string? FullBecause) Select(
        Snapshot incoming, SyncSettings settings, Dictionary<string, long> fingerprints, IReadOnlyList<StoredPerson> people,
        IEnumerable<(Guid Guardian, Guid Student)> guardianPairs, IReadOnlyList<ClassRecord> classes, IReadOnlyList<SchoolRecord> schools)
    {
        if (FullBecause(incoming, settings) is { } reason) return (null, reason);

        var linkKind = incoming.LinkKind;
        var rowsBySource = new MultiMap<string, int>(incoming.People.Count, StringComparer.Ordinal);
        for (var i = 0; i < incoming.People.Count; i++)
        {
            var p = incoming.People[i];
            rowsBySource.Add(p.SourceId, i);
            // R10: a guardian without a usable email is checked against every guardian's SMS number of the district.
            if (PeopleSteps.OnlyGuardian(p.Roles) && !EmailNormalizer.IsValid(EmailNormalizer.Normalize(p.Email)))
                return (null, "a guardian without an email address");
        }
        var holders = new Dictionary<string, StoredPerson>(people.Count, StringComparer.Ordinal);
        foreach (var p in people)
            if (p.Link is not null) holders[p.Link] = p;

        // Classes whose enrollments a rule decides on their own terms this run: not (yet) an active synced class of this source,
        // or skipped for naming no known school (R27). Their students and teachers are planned.
        var schoolIds = schools.Select(s => s.Id).ToHashSet();
        var mappedSchools = settings.SchoolMappings.Where(m => schoolIds.Contains(m.SchoolId)).Select(m => m.SourceSchoolId).ToHashSet(StringComparer.Ordinal);
        var sentSchools = incoming.Schools.Select(s => s.SourceId).ToHashSet(StringComparer.Ordinal);
        bool KnownSchool(string? sourceId) => sourceId is not null && (sentSchools.Contains(sourceId) || mappedSchools.Contains(sourceId));
        var settled = classes.Where(c => c.Origin == Origins.Synced && c.Status == RecordStatus.Active && c.Links.Get(linkKind) is not null)
            .Select(c => c.Links.Get(linkKind)!).ToHashSet(StringComparer.Ordinal);
        var sentClasses = new HashSet<string>(StringComparer.Ordinal);
        var settledSent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in incoming.Classes)
        {
            sentClasses.Add(c.SourceId);
            if (settled.Contains(c.SourceId) && KnownSchool(c.SchoolSourceId)) settledSent.Add(c.SourceId);
        }
        // R14: an absent class ends its enrollments whoever is enrolled.
        if (settled.Any(c => !sentClasses.Contains(c))) return (null, "a class left the source");
        // A school the source adds, restores or renames changes memberships (R17): the basis covers the rows; this the records.
        if (schools.Any(s => s.Links.Get(linkKind) is { } link && sentSchools.Contains(link) && s.Status != RecordStatus.Active))
            return (null, "a school returns to the source");

        // Rows that changed, or that a rule reads beyond themselves.
        var rows = new HashSet<int>();
        var needed = new HashSet<Guid>();
        for (var i = 0; i < incoming.People.Count; i++)
        {
            var p = incoming.People[i];
            if (!holders.TryGetValue(p.SourceId, out var holder) || holder.Fingerprint != fingerprints[p.SourceId]
                || rowsBySource.Count(p.SourceId) > 1 || p.SchoolSourceIds.Any(s => !KnownSchool(s))
                || (p.SchoolSourceIds.Count > 1 && p.SchoolSourceIds.Any(mappedSchools.Contains)))
                rows.Add(i);
        }
        var enrollments = incoming.Enrollments;
        for (var i = 0; i < enrollments.Count; i++)
        {
            var (classSourceId, personSourceId, _) = enrollments.Keys(i);
            if (!settledSent.Contains(classSourceId)) rowsBySource.ForEach(personSourceId, row => rows.Add(row));
        }
        foreach (var link in incoming.GuardianLinks)
        {
            // R27/R11: a link naming someone the source does not send is decided against the district's records.
            if (!rowsBySource.ContainsKey(link.GuardianSourceId) || !rowsBySource.ContainsKey(link.StudentSourceId) || link.StudentEmail is not null)
            {
                rowsBySource.ForEach(link.GuardianSourceId, row => rows.Add(row));
                rowsBySource.ForEach(link.StudentSourceId, row => rows.Add(row));
            }
        }
        // Gone: this source's people whose source id the snapshot no longer sends (R12–R15 decide them, and their links).
        foreach (var p in people)
            if (p.Origin == Origins.Synced && p.Link is not null && !rowsBySource.ContainsKey(p.Link)) needed.Add(p.Id);
        // Nothing changed and nothing is gone: no neighbourhood to find, so its indexes are not built.
        if (rows.Count == 0 && needed.Count == 0) return (Build(incoming, rows, needed, rowsBySource), null);

        var rowsByEmail = new MultiMap<string, int>(incoming.People.Count, StringComparer.Ordinal);
        for (var i = 0; i < incoming.People.Count; i++)
            if (EmailNormalizer.Normalize(incoming.People[i].Email) is { } email) rowsByEmail.Add(email, i);
        var byEmail = new MultiMap<string, StoredPerson>(people.Count, StringComparer.Ordinal);
        var byId = new Dictionary<Guid, StoredPerson>(people.Count);
        foreach (var p in people)
        {
            byId[p.Id] = p;
            if (p.NormalizedEmail is not null) byEmail.Add(p.NormalizedEmail, p);
        }
        var linkPartners = new MultiMap<string, string>(incoming.GuardianLinks.Count * 2, StringComparer.Ordinal);
        foreach (var link in incoming.GuardianLinks)
        {
            linkPartners.Add(link.GuardianSourceId, link.StudentSourceId);
            linkPartners.Add(link.StudentSourceId, link.GuardianSourceId);
        }
        var statePartners = new MultiMap<Guid, Guid>(people.Count, null);
        foreach (var (guardian, student) in guardianPairs)
        {
            statePartners.Add(guardian, student);
            statePartners.Add(student, guardian);
        }

        // The neighbourhood, to a fixed point: rows and records sharing a source id or an email, and guardian-link partners.
        var rowQueue = new Queue<int>(rows);
        var personQueue = new Queue<Guid>(needed);
        void AddRow(int row)
        {
            if (rows.Add(row)) rowQueue.Enqueue(row);
        }
        void AddPerson(StoredPerson p)
        {
            if (needed.Add(p.Id)) personQueue.Enqueue(p.Id);
        }
        void AddEmail(string? email)
        {
            if (email is null) return;
            rowsByEmail.ForEach(email, AddRow);
            byEmail.ForEach(email, AddPerson);
        }
        void AddSource(string sourceId)
        {
            rowsBySource.ForEach(sourceId, AddRow);
            if (holders.TryGetValue(sourceId, out var holder)) AddPerson(holder);
        }
        while (rowQueue.Count > 0 || personQueue.Count > 0)
        {
            while (rowQueue.TryDequeue(out var row))
            {
                var p = incoming.People[row];
                AddSource(p.SourceId);
                AddEmail(EmailNormalizer.Normalize(p.Email));
                linkPartners.ForEach(p.SourceId, AddSource);
            }
            while (personQueue.TryDequeue(out var id))
            {
                if (!byId.TryGetValue(id, out var p)) continue;
                if (p.Link is not null) AddSource(p.Link);
                AddEmail(p.NormalizedEmail);
                statePartners.ForEach(id, partner =>
                {
                    if (byId.TryGetValue(partner, out var other)) AddPerson(other);
                });
            }
        }
        return (Build(incoming, rows, needed, rowsBySource), null);
    }

    /// <summary>What only the whole snapshot can decide.</summary>
    private static string? FullBecause(Snapshot incoming, SyncSettings settings)
    {
        foreach (var kind in new[] { SnapshotKinds.People, SnapshotKinds.Classes, SnapshotKinds.Enrollments })
            if (incoming.ModeOf(kind) != FeedMode.Bulk) return $"{kind} is not a bulk file";
        if (incoming.Modes.ContainsKey(SnapshotKinds.GuardianLinks) && incoming.ModeOf(SnapshotKinds.GuardianLinks) != FeedMode.Bulk)
            return "guardian links are not a bulk file";
        if (incoming.Skipped.Count > 0) return "the reader skipped rows";
        if (incoming.Deletions.Count > 0) return "the snapshot deletes records";
        if (incoming.BulkPeopleRoles is not null) return "the people file speaks for some roles only";
        if (incoming.GuardiansNeedStudents) return "a guardian file";
        var filters = settings.Filters;
        if (filters.Roles.Count > 0 || filters.SchoolSourceIds.Count > 0 || filters.HomeroomOnly) return "filters (R18)";
        return null;
    }

    private static ResyncScope Build(Snapshot incoming, HashSet<int> rows, HashSet<Guid> needed, MultiMap<string, int> rowsBySource)
    {
        var subset = new Snapshot { LinkKind = incoming.LinkKind };
        subset.Schools.AddRange(incoming.Schools);
        subset.Classes.AddRange(incoming.Classes);
        subset.Sessions.AddRange(incoming.Sessions);
        subset.Courses.AddRange(incoming.Courses);
        foreach (var (kind, mode) in incoming.Modes) subset.Modes[kind] = mode;
        subset.Issues.AddRange(incoming.Issues);

        var planned = new HashSet<string>(StringComparer.Ordinal);
        long people = 0, memberships = 0;
        for (var i = 0; i < incoming.People.Count; i++)
        {
            var p = incoming.People[i];
            if (rows.Contains(i))
            {
                subset.People.Add(p);
                planned.Add(p.SourceId);
                continue;
            }
            people++;
            // R17, as PeopleSteps plans them: each distinct school wanted is an open membership, counted unchanged. (A row left out
            // names known schools only, and a mapped one only alone, so distinct source ids are distinct schools.)
            var wanted = PeopleSteps.WantedSchools(p);
            for (var k = 0; k < wanted.Count; k++)
                if (!Repeats(wanted, k)) memberships++;
        }

        long enrollments = 0;
        var source = incoming.Enrollments;
        // Rows by index, compared by their keys: the same distinct count as a set of key tuples, in a third of the memory.
        var seen = new HashSet<int>(source.Count, new EnrollmentKeys(source));
        for (var i = 0; i < source.Count; i++)
        {
            var person = source.Keys(i).PersonSourceId;
            if (planned.Contains(person) || !rowsBySource.ContainsKey(person)) subset.Enrollments.Add(source[i]);
            else if (seen.Add(i)) enrollments++;
        }
        long guardianLinks = 0;
        var pairs = new HashSet<(string, string)>();
        foreach (var link in incoming.GuardianLinks)
        {
            bool Planned(string id) => planned.Contains(id) || !rowsBySource.ContainsKey(id);
            if (Planned(link.GuardianSourceId) && Planned(link.StudentSourceId)) subset.GuardianLinks.Add(link);
            else if (pairs.Add((link.GuardianSourceId, link.StudentSourceId))) guardianLinks++;
        }
        return new ResyncScope { Subset = subset, People = needed, LeftOut = (people, memberships, enrollments, guardianLinks) };
    }

    private static bool Repeats(IReadOnlyList<string> values, int index)
    {
        for (var k = 0; k < index; k++)
            if (values[k] == values[index]) return true;
        return false;
    }

    private sealed class EnrollmentKeys(SourceEnrollmentList rows) : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => rows.Keys(x) == rows.Keys(y);
        public int GetHashCode(int row) => rows.Keys(row).GetHashCode();
    }

    /// <summary>Counts what was left out as the full plan would: unchanged.</summary>
    public void CountLeftOut(Plan plan)
    {
        plan.Counts.People.Unchanged += LeftOut.People;
        plan.Counts.Memberships.Unchanged += LeftOut.Memberships;
        plan.Counts.Enrollments.Unchanged += LeftOut.Enrollments;
        plan.Counts.GuardianLinks.Unchanged += LeftOut.GuardianLinks;
    }
}

/// <summary>
/// Values by key where nearly every key has one value (a source id, an email, a guardian's student): the first value is held
/// in place, only the rare further ones in a list, so a million keys cost no million lists.
/// </summary>
internal sealed class MultiMap<TKey, TValue>(int capacity, IEqualityComparer<TKey>? comparer) where TKey : notnull
{
    private readonly Dictionary<TKey, TValue> _first = new(capacity, comparer);
    private readonly Dictionary<TKey, List<TValue>> _more = new(comparer);

    public void Add(TKey key, TValue value)
    {
        ref var first = ref CollectionsMarshal.GetValueRefOrAddDefault(_first, key, out var exists);
        if (!exists)
        {
            first = value;
            return;
        }
        ref var more = ref CollectionsMarshal.GetValueRefOrAddDefault(_more, key, out _);
        (more ??= []).Add(value);
    }

    public bool ContainsKey(TKey key) => _first.ContainsKey(key);

    public int Count(TKey key) => !_first.ContainsKey(key) ? 0 : 1 + (_more.TryGetValue(key, out var more) ? more.Count : 0);

    public void ForEach(TKey key, Action<TValue> action)
    {
        if (!_first.TryGetValue(key, out var first)) return;
        action(first);
        if (_more.TryGetValue(key, out var more)) more.ForEach(action);
    }
}
