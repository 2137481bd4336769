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
    public static Plan Plan(Snapshot incoming, RosterState current, SyncSettings settings) =>
        Plan(incoming, current, settings, Guid.CreateVersion7);

    public static Plan Plan(Snapshot incoming, RosterState current, SyncSettings settings, Func<Guid> newId)
    {
        var books = new PlanBooks(incoming.LinkKind, current, newId);
        var plan = books.Plan;
        foreach (var issue in incoming.Issues)
            plan.Issues.Add(new(issue.Severity, issue.Rule, issue.Entity, issue.SourceId, issue.Message, issue.At.File, issue.At.Row));

        var scope = new ScopeFilter(settings.Filters);
        SchoolSteps.Plan(incoming, settings, scope, books);
        CatalogSteps.Plan(incoming, books);
        books.MarkPresence(incoming, settings, scope);
        AbandonRules.FindAbsentPeople(incoming, books);
        PeopleSteps.Plan(incoming, settings, scope, books);
        ClassRules.Plan(incoming, scope, books);
        AbandonRules.Plan(incoming, settings, books);
        books.Flush();
        SafetyCheck.Evaluate(plan, current, settings);
        return plan;
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
        People = current.People.ToDictionary(p => p.Id);
        Schools = current.Schools.ToDictionary(s => s.Id);
        Classes = current.Classes.ToDictionary(c => c.Id);
        Sessions = current.Sessions.ToDictionary(s => s.Id);
        Courses = current.Courses.ToDictionary(c => c.Id);
        Memberships = new LinkTable(current.Memberships);
        Enrollments = new LinkTable(current.Enrollments);
        GuardianLinks = new LinkTable(current.GuardianLinks);
        foreach (var p in current.People)
        {
            if (p.NormalizedEmail is not null) PersonByEmail[p.NormalizedEmail] = p.Id;
            if (p.Links.Get(linkKind) is { } link) PersonByLink[link] = p.Id;
        }
    }

    public string LinkKind { get; }
    public Func<Guid> NewId { get; }
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
    /// <summary>Existing people of this source that the snapshot abandons (R12–R15); decided before links are planned.</summary>
    public List<PersonRecord> AbsentPeople { get; } = [];
    /// <summary>School source ids that people name but nothing resolves, with how many people name each.</summary>
    public Dictionary<string, int> UnknownSchools { get; } = [];
    public HashSet<Guid> AbsentPeopleIds { get; } = [];

    /// <summary>Source ids present in the snapshot. Filtered ones count as present unless abandonFiltered (R18).</summary>
    public void MarkPresence(Snapshot incoming, SyncSettings settings, ScopeFilter scope)
    {
        foreach (var p in incoming.People)
            if (!settings.AbandonFiltered || scope.PersonInScope(p)) PresentPeople.Add(p.SourceId);
        foreach (var c in incoming.Classes)
            if (!settings.AbandonFiltered || scope.ClassInScope(c)) PresentClasses.Add(c.SourceId);
        // Rows the reader skipped with an issue are present: their records stay as they were.
        foreach (var skip in incoming.Skipped)
        {
            if (skip.Kind == SnapshotKinds.People) PresentPeople.Add(skip.SourceId);
            else if (skip.Kind == SnapshotKinds.Classes) PresentClasses.Add(skip.SourceId);
        }
    }

    private readonly HashSet<Guid> _touchedPeople = [];
    private readonly HashSet<Guid> _touchedSchools = [];
    private readonly HashSet<Guid> _touchedClasses = [];
    private readonly HashSet<Guid> _touchedSessions = [];
    private readonly HashSet<Guid> _touchedCourses = [];

    /// <summary>Records present in the snapshot but skipped or filtered: they stay as they were.</summary>
    public static HashSet<Guid> PresentButUnresolved(HashSet<string> present, Dictionary<string, Guid> resolved, Dictionary<string, Guid> byLink) =>
        present.Where(s => !resolved.ContainsKey(s) && byLink.ContainsKey(s)).Select(s => byLink[s]).ToHashSet();

    public void Put(PersonRecord p) { People[p.Id] = p; _touchedPeople.Add(p.Id); }
    public void Put(SchoolRecord s) { Schools[s.Id] = s; _touchedSchools.Add(s.Id); }
    public void Put(ClassRecord c) { Classes[c.Id] = c; _touchedClasses.Add(c.Id); }
    public void Put(SessionRecord s) { Sessions[s.Id] = s; _touchedSessions.Add(s.Id); }
    public void Put(CourseRecord c) { Courses[c.Id] = c; _touchedCourses.Add(c.Id); }

    public void Flush()
    {
        Plan.People.AddRange(_touchedPeople.Select(id => People[id]));
        Plan.Schools.AddRange(_touchedSchools.Select(id => Schools[id]));
        Plan.Classes.AddRange(_touchedClasses.Select(id => Classes[id]));
        Plan.Sessions.AddRange(_touchedSessions.Select(id => Sessions[id]));
        Plan.Courses.AddRange(_touchedCourses.Select(id => Courses[id]));
        Plan.Memberships.AddRange(Memberships.Touched);
        Plan.Enrollments.AddRange(Enrollments.Touched);
        Plan.GuardianLinks.AddRange(GuardianLinks.Touched);
    }

    /// <summary>Opens (creates or re-opens, R16) a synced link and records the change.</summary>
    public void Open(LinkTable table, string entity, Guid personId, Guid targetId, string? role, string? sourceId, string rule)
    {
        if (table.Find(personId, targetId, role) is { } existing)
        {
            if (!existing.Ended) { Plan.Count(entity, ChangeActions.Unchanged); return; }
            table.Put(existing with { Ended = false });
            Plan.Record(new(entity, existing.Id, sourceId, ChangeActions.Restored, null, null, null, "R16"));
            return;
        }
        var created = new LinkRecord { Id = NewId(), PersonId = personId, TargetId = targetId, Role = role };
        table.Put(created);
        Plan.Record(new(entity, created.Id, sourceId, ChangeActions.Created, null, null, null, rule));
    }

    /// <summary>Ends a link (never deletes it) and records the change under the deciding rule.</summary>
    public void End(LinkTable table, string entity, LinkRecord link, string rule)
    {
        if (link.Ended) return;
        table.Put(link with { Ended = true });
        Plan.Record(new(entity, link.Id, null, ChangeActions.Removed, null, null, null, rule));
    }
}

/// <summary>Memberships, enrollments or guardian links, indexed by key and by person.</summary>
internal sealed class LinkTable
{
    private readonly Dictionary<(Guid, Guid, string?), LinkRecord> _byKey = [];
    private readonly Dictionary<Guid, List<(Guid, Guid, string?)>> _byPerson = [];
    private readonly Dictionary<Guid, List<(Guid, Guid, string?)>> _byTarget = [];
    private readonly HashSet<(Guid, Guid, string?)> _touched = [];

    public LinkTable(IEnumerable<LinkRecord> links)
    {
        foreach (var link in links) Index(link);
    }

    public IEnumerable<LinkRecord> All => _byKey.Values;
    public IEnumerable<LinkRecord> Touched => _touched.Select(k => _byKey[k]);

    public LinkRecord? Find(Guid personId, Guid targetId, string? role) => _byKey.GetValueOrDefault((personId, targetId, role));
    public IEnumerable<LinkRecord> OfPerson(Guid personId) =>
        _byPerson.TryGetValue(personId, out var keys) ? keys.Select(k => _byKey[k]) : [];
    public IEnumerable<LinkRecord> OfTarget(Guid targetId) =>
        _byTarget.TryGetValue(targetId, out var keys) ? keys.Select(k => _byKey[k]) : [];

    public void Put(LinkRecord link)
    {
        if (!_byKey.ContainsKey(link.Key)) Index(link);
        else _byKey[link.Key] = link;
        _touched.Add(link.Key);
    }

    private void Index(LinkRecord link)
    {
        _byKey[link.Key] = link;
        (_byPerson.TryGetValue(link.PersonId, out var p) ? p : _byPerson[link.PersonId] = []).Add(link.Key);
        (_byTarget.TryGetValue(link.TargetId, out var t) ? t : _byTarget[link.TargetId] = []).Add(link.Key);
    }
}
