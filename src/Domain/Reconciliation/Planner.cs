using System.Runtime.InteropServices;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

/// <summary>
/// Plan(snapshot, current state, settings) → Plan (R20). Pure: no I/O, clock or EF. The per-record
/// decisions live in <see cref="PeopleRules"/>, <see cref="ClassRules"/>, <see cref="AbandonRules"/> and
/// <see cref="SafetyCheck"/>; this class walks the snapshot in dependency order and keeps the books.
/// </summary>
public static class Planner
{
    /// <param name="progress">Told the incoming people, classes and enrollments planned so far, after each step.</param>
    public static Plan Plan(Snapshot incoming, RosterState current, SyncSettings settings, IProgress<long>? progress = null) =>
        Plan(incoming, current, settings, new GuidV7Source().Next, progress);

    public static Plan Plan(Snapshot incoming, RosterState current, SyncSettings settings, Func<Guid> newId, IProgress<long>? progress = null)
    {
        var books = new PlanBooks(incoming.LinkKind, current, newId);
        var plan = books.Plan;
        // A defect the reader found names R22 unless a rule of its own decided it: the row was read in part or not
        // at all, and a partial read abandons nothing (a skipped row is not absent).
        foreach (var issue in incoming.Issues)
            plan.Issues.Add(new(issue.Severity, issue.Rule ?? "R22", issue.Entity, issue.SourceId, issue.Message, issue.At.File, issue.At.Row));

        var scope = new ScopeFilter(settings.Filters);
        SchoolSteps.Plan(incoming, settings, scope, books);
        CatalogSteps.Plan(incoming, books);
        books.MarkPresence(incoming, settings, scope);
        // Matching (R1–R3) decides presence before absence is computed: a person matched in this run is present,
        // so an id change (R2) or an email change (R3) never abandons anyone.
        PeopleSteps.Plan(incoming, settings, scope, books);
        AbandonRules.FindAbsentPeople(incoming, books);
        PeopleSteps.PlanGuardianLinks(incoming, books);
        progress?.Report(incoming.People.Count);
        ClassRules.Plan(incoming, scope, books);
        progress?.Report(incoming.People.Count + incoming.Classes.Count + incoming.Enrollments.Count);
        AbandonRules.Plan(incoming, settings, books);
        books.Flush();
        SafetyCheck.Evaluate(plan, current, settings);
        return plan;
    }
}

/// <summary>
/// Version 7 GUIDs laid out as <see cref="Guid.CreateVersion7()"/> lays them out (48-bit Unix milliseconds, then random
/// bits), with the random bytes drawn in batches: a first import of a large district creates millions of ids, and one
/// system call per id showed in its profile.
/// </summary>
internal sealed class GuidV7Source
{
    private readonly byte[] _random = new byte[10 * 1024];
    private int _next = int.MaxValue;

    public Guid Next()
    {
        if (_next > _random.Length - 10)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(_random);
            _next = 0;
        }
        Span<byte> bytes = stackalloc byte[16];
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++) bytes[i] = (byte)(ms >> (8 * (5 - i)));
        _random.AsSpan(_next, 10).CopyTo(bytes[6..]);
        _next += 10;
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x70);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}

/// <summary>R18: which incoming records a source contributes. Filtered records are neither planned nor abandoned.</summary>
internal sealed class ScopeFilter(SyncFilters filters)
{
    public bool SchoolInScope(string? schoolSourceId) =>
        filters.SchoolSourceIds.Count == 0 || (schoolSourceId is not null && filters.SchoolSourceIds.Contains(schoolSourceId));

    public bool PersonInScope(SourcePerson p) =>
        (filters.Roles.Count == 0 || p.Roles.Any(filters.Roles.Contains))
        && (filters.SchoolSourceIds.Count == 0 || p.SchoolSourceIds.Any(SchoolInScope));

    public bool ClassInScope(SourceClass c) => (!filters.HomeroomOnly || c.IsHomeroom) && SchoolInScope(c.SchoolSourceId);
}

/// <summary>The working state of one planning pass: current records by id and key, and what the plan touched.</summary>
internal sealed class PlanBooks
{
    public PlanBooks(string linkKind, RosterState current, Func<Guid> newId)
    {
        LinkKind = linkKind;
        NewId = newId;
        Current = current;
        People = current.People.ToDictionary(p => p.Id);
        Schools = current.Schools.ToDictionary(s => s.Id);
        Classes = current.Classes.ToDictionary(c => c.Id);
        Sessions = current.Sessions.ToDictionary(s => s.Id);
        Courses = current.Courses.ToDictionary(c => c.Id);
        Memberships = new LinkTable(current.Memberships);
        Enrollments = new LinkTable(current.Enrollments);
        GuardianLinks = new LinkTable(current.GuardianLinks);
        PersonByEmail.EnsureCapacity(current.People.Count);
        PersonByLink.EnsureCapacity(current.People.Count);
        foreach (var p in current.People)
        {
            if (p.NormalizedEmail is not null) PersonByEmail[p.NormalizedEmail] = p.Id;
            if (p.Links.Get(linkKind) is { } link) PersonByLink[link] = p.Id;
        }
    }

    public string LinkKind { get; }
    public Func<Guid> NewId { get; }
    /// <summary>The state as the run found it (the records below change as the plan goes).</summary>
    public RosterState Current { get; }
    public Plan Plan { get; } = new();
    public Dictionary<Guid, PersonRecord> People { get; }
    public Dictionary<Guid, SchoolRecord> Schools { get; }
    public Dictionary<Guid, ClassRecord> Classes { get; }
    public Dictionary<Guid, SessionRecord> Sessions { get; }
    public Dictionary<Guid, CourseRecord> Courses { get; }
    public LinkTable Memberships { get; }
    public LinkTable Enrollments { get; }
    public LinkTable GuardianLinks { get; }
    public Dictionary<string, Guid> PersonByEmail { get; } = [];
    public Dictionary<string, Guid> PersonByLink { get; } = [];

    /// <summary>Source id → record id of what this snapshot resolved, for references between files.</summary>
    public Dictionary<string, Guid> SchoolIdBySource { get; } = [];
    public Dictionary<string, Guid> PersonIdBySource { get; } = [];
    public Dictionary<string, Guid> ClassIdBySource { get; } = [];
    public Dictionary<string, Guid> SessionIdBySource { get; } = [];
    public Dictionary<string, Guid> CourseIdBySource { get; } = [];

    /// <summary>Source ids present in the snapshot, skipped or filtered ones included: they are not abandoned.</summary>
    public HashSet<string> PresentPeople { get; } = [];
    public HashSet<string> PresentClasses { get; } = [];
    /// <summary>Why a present source id was not resolved to a record (R18 filtered, R6, R10, R3, R22 …): its record is kept by that rule.</summary>
    public Dictionary<string, string> UnresolvedPeople { get; } = [];
    public Dictionary<string, string> UnresolvedClasses { get; } = [];
    /// <summary>People this snapshot speaks for: matched (R1–R3), created (R4), or named by a conflict that changes neither (R3).</summary>
    public HashSet<Guid> SeenPeople { get; } = [];
    /// <summary>Existing active people of this source that the snapshot abandons (R12–R15); decided after matching, before links are planned.</summary>
    public List<PersonRecord> AbsentPeople { get; } = [];
    /// <summary>School source ids that people name but nothing resolves, with how many people name each.</summary>
    public Dictionary<string, int> UnknownSchools { get; } = [];
    public HashSet<Guid> AbsentPeopleIds { get; } = [];
    /// <summary>
    /// People of this source who are not in a bulk snapshot: the absent ones above plus those archived by an earlier run.
    /// Their links (enrollments, memberships, guardian links) are decided by the abandonment rules, not by R11 or R14 alone.
    /// </summary>
    public HashSet<Guid> GonePeople { get; } = [];
    /// <summary>People counted updated, so a person whose source id another takes (R2) and who is then updated is counted once.</summary>
    public HashSet<Guid> UpdatedPeople { get; } = [];

    /// <summary>Source ids present in the snapshot. Filtered ones count as present unless abandonFiltered (R18).</summary>
    public void MarkPresence(Snapshot incoming, SyncSettings settings, ScopeFilter scope)
    {
        PresentPeople.EnsureCapacity(incoming.People.Count);
        PersonIdBySource.EnsureCapacity(incoming.People.Count);
        foreach (var p in incoming.People)
            if (scope.PersonInScope(p)) PresentPeople.Add(p.SourceId);
            else if (!settings.AbandonFiltered) { PresentPeople.Add(p.SourceId); UnresolvedPeople.TryAdd(p.SourceId, "R18"); }
        foreach (var c in incoming.Classes)
            if (scope.ClassInScope(c)) PresentClasses.Add(c.SourceId);
            else if (!settings.AbandonFiltered) { PresentClasses.Add(c.SourceId); UnresolvedClasses.TryAdd(c.SourceId, "R18"); }
        // Rows the reader skipped with an issue are present: their records stay as they were.
        foreach (var skip in incoming.Skipped)
        {
            if (skip.Kind == SnapshotKinds.People && PresentPeople.Add(skip.SourceId)) UnresolvedPeople.TryAdd(skip.SourceId, "R22");
            else if (skip.Kind == SnapshotKinds.Classes && PresentClasses.Add(skip.SourceId)) UnresolvedClasses.TryAdd(skip.SourceId, "R22");
        }
    }

    /// <summary>Present records that were not resolved (skipped or filtered), by record id, with the rule that keeps them as they were.</summary>
    public static Dictionary<Guid, string> KeptUnresolved(Dictionary<string, string> unresolved, Dictionary<string, Guid> resolved, Dictionary<string, Guid> byLink)
    {
        var kept = new Dictionary<Guid, string>();
        foreach (var (sourceId, rule) in unresolved)
            if (!resolved.ContainsKey(sourceId) && byLink.TryGetValue(sourceId, out var id)) kept.TryAdd(id, rule);
        return kept;
    }

    private readonly List<(LinkTable Table, string Entity, int Row, string Rule)> _keptLinks = [];

    /// <summary>
    /// An absent link a rule keeps as it is (R14: none is silently left as it was). Counted unchanged with its rule when the plan
    /// is flushed, unless another rule ended it meanwhile (e.g. its class was archived).
    /// </summary>
    public void Keep(LinkTable table, string entity, int row, string rule) => _keptLinks.Add((table, entity, row, rule));

    /// <summary>An absent person a rule keeps as it is (R13 staff and R12 removed students stay active, R15 soft guardians).</summary>
    public void Keep(PersonRecord person, string rule)
    {
        Plan.Kept.Add(new(Entities.Person, person.Id, rule));
        Plan.Count(Entities.Person, ChangeActions.Unchanged);
    }

    // Records the plan writes, in the order first touched; true = created by this plan (inserted, not upserted).
    private readonly Dictionary<Guid, bool> _touchedPeople = [];
    private readonly Dictionary<Guid, bool> _touchedSchools = [];
    private readonly Dictionary<Guid, bool> _touchedClasses = [];
    private readonly Dictionary<Guid, bool> _touchedSessions = [];
    private readonly Dictionary<Guid, bool> _touchedCourses = [];

    public void Put(PersonRecord p) { People[p.Id] = p; _touchedPeople.TryAdd(p.Id, false); }
    public void Put(SchoolRecord s) { Schools[s.Id] = s; _touchedSchools.TryAdd(s.Id, false); }
    public void Put(ClassRecord c) { Classes[c.Id] = c; _touchedClasses.TryAdd(c.Id, false); }
    public void Put(SessionRecord s) { Sessions[s.Id] = s; _touchedSessions.TryAdd(s.Id, false); }
    public void Put(CourseRecord c) { Courses[c.Id] = c; _touchedCourses.TryAdd(c.Id, false); }

    /// <summary>A record this plan creates (R4): the applier inserts it rather than upserting it.</summary>
    public void PutNew(PersonRecord p) { People[p.Id] = p; _touchedPeople[p.Id] = true; }
    public void PutNew(SchoolRecord s) { Schools[s.Id] = s; _touchedSchools[s.Id] = true; }
    public void PutNew(ClassRecord c) { Classes[c.Id] = c; _touchedClasses[c.Id] = true; }
    public void PutNew(SessionRecord s) { Sessions[s.Id] = s; _touchedSessions[s.Id] = true; }
    public void PutNew(CourseRecord c) { Courses[c.Id] = c; _touchedCourses[c.Id] = true; }

    public void Flush()
    {
        var keptRows = new HashSet<(LinkTable, int)>();
        foreach (var (table, entity, row, rule) in _keptLinks)
            if (!table.Ended(row) && keptRows.Add((table, row)))
            {
                Plan.Kept.Add(new(entity, table.Id(row), rule));
                Plan.Count(entity, ChangeActions.Unchanged);
            }
        foreach (var group in Plan.Kept.GroupBy(k => (k.Entity, k.Rule)))
            Plan.Issues.Add(new(Severities.Warning, group.Key.Rule, group.Key.Entity, null,
                $"{group.Count()} {group.Key.Entity} record(s) absent from the source were kept as they were under {group.Key.Rule}."));
        Collect(Plan.People, _touchedPeople, People);
        Collect(Plan.Schools, _touchedSchools, Schools);
        Collect(Plan.Classes, _touchedClasses, Classes);
        Collect(Plan.Sessions, _touchedSessions, Sessions);
        Collect(Plan.Courses, _touchedCourses, Courses);
        Plan.Memberships = Memberships.TakeTouched();
        Plan.Enrollments = Enrollments.TakeTouched();
        Plan.GuardianLinks = GuardianLinks.TakeTouched();

        static void Collect<T>(PlanRecords<T> into, Dictionary<Guid, bool> touched, Dictionary<Guid, T> records)
        {
            foreach (var (id, created) in touched)
                if (created) into.AddCreated(records[id]);
                else into.Add(records[id]);
        }
    }

    /// <summary>Opens (creates or re-opens, R16) a synced link and records the change; returns its row.</summary>
    public int Open(LinkTable table, string entity, Guid personId, Guid targetId, string? role, string? sourceId, string rule)
    {
        var row = table.Find(personId, targetId, role);
        if (row >= 0)
        {
            if (!table.Ended(row)) { Plan.Count(entity, ChangeActions.Unchanged); return row; }
            table.SetEnded(row, false);
            Plan.Record(new(entity, table.Id(row), sourceId, ChangeActions.Restored, null, null, null, "R16"));
            return row;
        }
        var id = NewId();
        row = table.Add(id, personId, targetId, role);
        Plan.Record(new(entity, id, sourceId, ChangeActions.Created, null, null, null, rule));
        return row;
    }

    /// <summary>Ends a link (never deletes it) and records the change under the deciding rule.</summary>
    public void End(LinkTable table, string entity, int row, string rule)
    {
        if (table.Ended(row)) return;
        table.SetEnded(row, true);
        Plan.Record(new(entity, table.Id(row), null, ChangeActions.Removed, null, null, null, rule));
    }
}

/// <summary>
/// Memberships, enrollments or guardian links: the district's current ones (read-only, <see cref="LinkList"/>)
/// plus those this plan creates. A row is an int: current rows first, then added ones. Rows are chained per
/// person and per target in the order they were added, so finding a person's links walks a handful of ints
/// instead of keeping a key object per link.
/// </summary>
internal sealed class LinkTable
{
    private const byte Touched = 1;
    private const byte Marked = 2;
    private const byte EndedSet = 4;
    private const byte EndedValue = 8;
    private readonly LinkList _current;
    private readonly int _currentCount;
    private LinkList _added = [];
    private readonly ChunkedList<byte> _state = new();
    private readonly Dictionary<Guid, (int First, int Last)> _byPerson = [];
    private readonly Dictionary<Guid, (int First, int Last)> _byTarget = [];
    private readonly ChunkedList<int> _nextOfPerson = new();
    private readonly ChunkedList<int> _nextOfTarget = new();
    private readonly Dictionary<int, string?> _roles = [];

    public LinkTable(IReadOnlyList<LinkRecord> links)
    {
        if (links is LinkList list) _current = list;
        else
        {
            _current = [];
            _current.AddRange(links);
        }
        _currentCount = _current.Count;
        for (var row = 0; row < _currentCount; row++) Index(row, _current.PersonId(row), _current.TargetId(row));
    }

    public int Count => _state.Count;

    /// <summary>The row of the link (person, target, role), or -1.</summary>
    public int Find(Guid personId, Guid targetId, string? role)
    {
        foreach (var row in OfPerson(personId))
            if (TargetId(row) == targetId && HasRole(row, role)) return row;
        return -1;
    }

    public RowChain OfPerson(Guid personId) => new(_byPerson.TryGetValue(personId, out var chain) ? chain.First : -1, _nextOfPerson);
    public RowChain OfTarget(Guid targetId) => new(_byTarget.TryGetValue(targetId, out var chain) ? chain.First : -1, _nextOfTarget);

    /// <summary>The first row of the pair (person, target) whatever its role, an open one before an ended one; or -1.</summary>
    public int FindPair(Guid personId, Guid targetId)
    {
        var ended = -1;
        foreach (var row in OfPerson(personId))
            if (TargetId(row) == targetId)
            {
                if (!Ended(row)) return row;
                if (ended < 0) ended = row;
            }
        return ended;
    }

    public Guid Id(int row) => row < _currentCount ? _current.Id(row) : _added.Id(row - _currentCount);
    public Guid PersonId(int row) => row < _currentCount ? _current.PersonId(row) : _added.PersonId(row - _currentCount);
    public Guid TargetId(int row) => row < _currentCount ? _current.TargetId(row) : _added.TargetId(row - _currentCount);
    public bool IsSynced(int row) => row < _currentCount ? _current.IsSynced(row) : _added.IsSynced(row - _currentCount);
    public bool HasRole(int row, string? role) => string.Equals(Role(row), role, StringComparison.Ordinal);

    public string? Role(int row) => _roles.TryGetValue(row, out var role) ? role
        : row < _currentCount ? _current.Role(row) : _added.Role(row - _currentCount);

    /// <summary>Changes a row's role (a guardian link's relationship); the current list, the planner's input, stays as it is.</summary>
    public void SetRole(int row, string? role)
    {
        _roles[row] = role;
        _state[row] |= Touched;
    }

    public bool Ended(int row) => (_state[row] & EndedSet) != 0 ? (_state[row] & EndedValue) != 0
        : row < _currentCount ? _current.Ended(row) : _added.Ended(row - _currentCount);

    public void SetEnded(int row, bool ended) =>
        _state[row] = (byte)((_state[row] & Marked) | Touched | EndedSet | (ended ? EndedValue : 0));

    /// <summary>A per-pass mark (e.g. "the source sends this link"); see <see cref="IsMarked"/>.</summary>
    public void Mark(int row) => _state[row] |= Marked;
    public bool IsMarked(int row) => (_state[row] & Marked) != 0;

    /// <summary>Adds a new synced, open link; returns its row.</summary>
    public int Add(Guid id, Guid personId, Guid targetId, string? role)
    {
        _added.Add(id, personId, targetId, role, Origins.Synced, ended: false, created: true);
        var row = _currentCount + _added.Count - 1;
        Index(row, personId, targetId);
        _state[row] = Touched;
        return row;
    }

    /// <summary>
    /// The links this plan writes, in their final state: created ones first (the applier inserts them), then
    /// changed current ones. Ends the table's use: it hands over its own storage.
    /// </summary>
    public LinkList TakeTouched()
    {
        var touched = _added;
        for (var i = 0; i < touched.Count; i++)
        {
            if ((_state[_currentCount + i] & EndedSet) != 0) touched.SetEnded(i, (_state[_currentCount + i] & EndedValue) != 0);
            if (_roles.TryGetValue(_currentCount + i, out var role)) touched.SetRole(i, role);
        }
        for (var row = 0; row < _currentCount; row++)
            if ((_state[row] & Touched) != 0)
                touched.Add(_current.Id(row), _current.PersonId(row), _current.TargetId(row), Role(row), _current.Origin(row), Ended(row), created: false);
        _added = [];
        return touched;
    }

    private void Index(int row, Guid personId, Guid targetId)
    {
        _state.Add(0);
        _nextOfPerson.Add(-1);
        _nextOfTarget.Add(-1);
        Append(_byPerson, _nextOfPerson, personId, row);
        Append(_byTarget, _nextOfTarget, targetId, row);
    }

    private static void Append(Dictionary<Guid, (int First, int Last)> heads, ChunkedList<int> next, Guid key, int row)
    {
        ref var chain = ref CollectionsMarshal.GetValueRefOrAddDefault(heads, key, out var exists);
        if (exists) next[chain.Last] = row;
        else chain.First = row;
        chain.Last = row;
    }
}

/// <summary>The rows of one person's or target's links, in the order they were added.</summary>
internal readonly struct RowChain(int first, ChunkedList<int> next)
{
    public Enumerator GetEnumerator() => new(first, next);

    public struct Enumerator(int first, ChunkedList<int> next)
    {
        private int _next = first;

        public int Current { get; private set; } = -1;

        public bool MoveNext()
        {
            if (_next < 0) return false;
            Current = _next;
            _next = next[_next];
            return true;
        }
    }
}
