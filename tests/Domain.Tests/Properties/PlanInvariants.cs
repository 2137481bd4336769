using System.Globalization;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Tests.Properties;

/// <summary>One planned step: the snapshot and settings, the roster before, the plan, and the roster after it was applied.</summary>
internal sealed record PlannedStep(Snapshot Snapshot, SyncSettings Settings, RosterState Before, Plan Plan, RosterState After);

/// <summary>
/// What must hold after every step of any history (SPEC §4). Each check reads the snapshot and the two rosters itself rather
/// than the planner's books, so it does not share the planner's mistakes. Shared by the in-memory and the PostgreSQL tests.
/// </summary>
internal static class PlanInvariants
{
    private static readonly string[] Journaled =
        [ChangeActions.Created, ChangeActions.Updated, ChangeActions.Archived, ChangeActions.Removed, ChangeActions.Restored];

    /// <summary>R1–R3 with R12–R15: a person a row of the snapshot resolves to is never archived, removed or kept as absent.</summary>
    public static void MatchedIsNeverAbandoned(PlannedStep s)
    {
        var abandoned = s.Plan.Changes.Where(c => c.Entity == Entities.Person && c.Action is ChangeActions.Archived or ChangeActions.Removed)
            .Select(c => c.RecordId!.Value).Concat(s.Plan.Kept.Where(k => k.Entity == Entities.Person).Select(k => k.RecordId)).ToHashSet();
        foreach (var row in ResolvedRows(s))
            foreach (var p in s.After.People.Where(p => p.Links.OneRoster == row.SourceId))
                Assert.False(abandoned.Contains(p.Id), $"{row.SourceId} is in the snapshot and was matched, yet abandoned");
    }

    /// <summary>R4, R16 (and R6, R18): every record the snapshot sends is active, unless its row was skipped with an issue or filtered.</summary>
    public static void PresentIsActive(PlannedStep s)
    {
        foreach (var row in ResolvedRows(s))
        {
            var holders = s.After.People.Where(p => p.Links.OneRoster == row.SourceId).ToList();
            Assert.True(holders.Count == 1, $"{holders.Count} people hold source id {row.SourceId}, which the snapshot sends");
            Assert.True(holders[0].Status == RecordStatus.Active, $"{row.SourceId} is in the snapshot but {holders[0].Status}");
        }
        var scope = new ScopeFilter(s.Settings.Filters);
        foreach (var c in s.Snapshot.Classes.Where(scope.ClassInScope))
            Assert.True(s.After.Classes.SingleOrDefault(k => k.Links.OneRoster == c.SourceId)?.Status == RecordStatus.Active,
                $"class {c.SourceId} is in the snapshot but not one active class");
        foreach (var (person, klass, role, sourceId) in SentEnrollments(s))
            Assert.True(s.After.Enrollments.Any(e => e.PersonId == person && e.TargetId == klass && e.Role == role && !e.Ended),
                $"enrollment {sourceId} is in the snapshot but not open");
        foreach (var (guardian, student) in SentGuardianLinks(s))
            Assert.True(s.After.GuardianLinks.Any(l => l.PersonId == guardian && l.TargetId == student && !l.Ended),
                $"guardian link {guardian} → {student} is in the snapshot but not open");
    }

    /// <summary>R12–R15 (R14: none is silently left as it was): every absent synced record is changed, or kept under a named rule.</summary>
    public static void AbsentIsChangedOrKept(PlannedStep s)
    {
        var touched = s.Plan.Changes.Where(c => c.RecordId is not null).Select(c => (c.Entity, c.RecordId!.Value)).ToHashSet();
        var kept = s.Plan.Kept.Select(k => (k.Entity, k.RecordId)).ToHashSet();
        void Accounted(string entity, Guid id, string what) =>
            Assert.True(touched.Contains((entity, id)) || kept.Contains((entity, id)), $"{what} is absent but neither changed nor kept under a rule");

        var absentPeople = AbsentPeople(s);
        foreach (var p in absentPeople) Accounted(Entities.Person, p.Id, $"person {p.Links.OneRoster}");
        var absentIds = absentPeople.Select(p => p.Id).ToHashSet();
        foreach (var m in s.Before.Memberships.Where(m => m.Origin == Origins.Synced && !m.Ended && absentIds.Contains(m.PersonId)))
            Accounted(Entities.Membership, m.Id, $"membership of {m.PersonId}");

        var sentClasses = s.Snapshot.Classes.Select(c => c.SourceId).ToHashSet();
        var deletedClasses = s.Snapshot.Deletions.Where(d => d.Kind == SnapshotKinds.Classes).Select(d => d.SourceId).ToHashSet();
        var scope = new ScopeFilter(s.Settings.Filters);
        if (s.Settings.AbandonFiltered) sentClasses = s.Snapshot.Classes.Where(scope.ClassInScope).Select(c => c.SourceId).ToHashSet();
        foreach (var c in s.Before.Classes.Where(c => c.Origin == Origins.Synced && c.Status == RecordStatus.Active && c.Links.OneRoster is not null))
            if (s.Snapshot.ModeOf(SnapshotKinds.Classes) == FeedMode.Bulk ? !sentClasses.Contains(c.Links.OneRoster!) : deletedClasses.Contains(c.Links.OneRoster!))
                Accounted(Entities.Class, c.Id, $"class {c.Links.OneRoster}");

        if (s.Snapshot.ModeOf(SnapshotKinds.Enrollments) == FeedMode.Bulk)
        {
            var sent = SentEnrollments(s).Select(e => (e.Person, e.Class, (string?)e.Role)).ToHashSet();
            var ourClasses = s.Before.Classes.Where(c => c.Links.OneRoster is not null).Select(c => c.Id).ToHashSet();
            foreach (var e in s.Before.Enrollments.Where(e => e.Origin == Origins.Synced && !e.Ended && ourClasses.Contains(e.TargetId)))
                if (!sent.Contains((e.PersonId, e.TargetId, e.Role))) Accounted(Entities.Enrollment, e.Id, $"enrollment {e.Id}");
        }
        if (s.Snapshot.ModeOf(SnapshotKinds.People) == FeedMode.Bulk)
        {
            var sent = SentGuardianLinks(s).ToHashSet();
            var ours = s.Before.People.Where(p => p.Links.OneRoster is not null).Select(p => p.Id).ToHashSet();
            foreach (var l in s.Before.GuardianLinks.Where(l => l.Origin == Origins.Synced && !l.Ended && ours.Contains(l.PersonId) && ours.Contains(l.TargetId)))
                if (!sent.Contains((l.PersonId, l.TargetId)) && (absentIds.Contains(l.PersonId) || absentIds.Contains(l.TargetId) || BothSent(s, l)))
                    Accounted(Entities.GuardianLink, l.Id, $"guardian link {l.Id}");
        }
    }

    /// <summary>R23: planning the same snapshot against the roster it produced changes nothing.</summary>
    public static void SameSnapshotChangesNothing(PlannedStep s, Func<Guid> newId)
    {
        var again = Planner.Plan(s.Snapshot, s.After, s.Settings, newId);
        Assert.True(again.Changes.Count == 0, "the same snapshot again changed: "
            + string.Join("; ", again.Changes.Take(5).Select(c => $"{c.Entity} {c.SourceId ?? c.RecordId.ToString()} {c.Action} {c.Field} {c.Before}→{c.After} {c.Rule}")));
    }

    /// <summary>
    /// R24: reverting the step's changes restores every record it found exactly; what it created is archived or ended. A record
    /// the revert could not restore is named by an R24 warning (e.g. an email change whose old email the run gave to a new person).
    /// </summary>
    public static void RevertRestores(PlannedStep s)
    {
        var revert = RevertPlanner.Plan(s.Plan.Changes.ToList(), s.After);
        AssertRestored(s.Before, Rules.B.After(s.After, revert), revert.Issues);
    }

    /// <summary>R24 for a reverted roster (in memory or loaded from the database) against the roster before the reverted run.</summary>
    public static void AssertRestored(RosterState before, RosterState reverted, IReadOnlyList<PlanIssue> revertIssues)
    {
        var excused = revertIssues.Where(i => i.Rule == "R24").Select(i => i.Message).ToList();
        bool Excused(Guid id) => excused.Any(m => m.Contains(id.ToString(), StringComparison.Ordinal));
        Compare(before.People, reverted.People, p => p.Id, Canon, p => p.Status == RecordStatus.Archived, "person", Excused);
        Compare(before.Classes, reverted.Classes, c => c.Id, Canon, c => c.Status == RecordStatus.Archived, "class", Excused);
        Compare(before.Schools, reverted.Schools, c => c.Id, c => c.ToString(), c => c.Status == RecordStatus.Archived, "school", Excused);
        Compare(before.Memberships, reverted.Memberships, l => l.Id, l => l.ToString(), l => l.Ended, "membership", Excused);
        Compare(before.Enrollments, reverted.Enrollments, l => l.Id, l => l.ToString(), l => l.Ended, "enrollment", Excused);
        Compare(before.GuardianLinks, reverted.GuardianLinks, l => l.Id, l => l.ToString(), l => l.Ended, "guardian link", Excused);
    }

    /// <summary>R20 (SPEC §5 counts): per entity and action, the count is the number of records the change journal names with that action.</summary>
    public static void CountsEqualJournal(Plan plan)
    {
        CountsEqualJournal(plan.Counts, plan.Changes);
        var kept = plan.Kept.GroupBy(k => k.Entity).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (entity, n) in kept)
            Assert.True(plan.Counts.For(entity).Unchanged >= n, $"{n} kept {entity} records but only {plan.Counts.For(entity).Unchanged} counted unchanged");
    }

    /// <summary>R20 for counts and a journal, the plan's own or the one stored in run_changes.</summary>
    public static void CountsEqualJournal(RunCounts counts, IReadOnlyList<Change> changes)
    {
        foreach (var entity in new[] { Entities.Person, Entities.School, Entities.Class, Entities.Enrollment, Entities.Membership, Entities.GuardianLink })
            foreach (var action in Journaled)
            {
                var journal = changes.Where(c => c.Entity == entity && c.Action == action).Select(c => c.RecordId).Distinct().Count();
                var counted = Count(counts.For(entity), action);
                Assert.True(journal == counted, $"{entity} {action}: counted {counted}, the journal names {journal} records");
            }
    }

    private static long Count(ActionCounts counts, string action) => action switch
    {
        ChangeActions.Created => counts.Created, ChangeActions.Updated => counts.Updated, ChangeActions.Archived => counts.Archived,
        ChangeActions.Removed => counts.Removed, ChangeActions.Restored => counts.Restored, _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    /// <summary>People rows the planner resolves: in scope (R18) and not skipped with an issue (R3 conflict, R6, R10).</summary>
    private static IEnumerable<SourcePerson> ResolvedRows(PlannedStep s)
    {
        var scope = new ScopeFilter(s.Settings.Filters);
        var skipped = s.Plan.Issues.Where(i => i.Entity == Entities.Person && (i.Severity == Severities.Error || i.Rule == "R10"))
            .Select(i => i.SourceId).ToHashSet();
        return s.Snapshot.People.Where(p => scope.PersonInScope(p) && !skipped.Contains(p.SourceId));
    }

    /// <summary>
    /// Active synced people of this source the snapshot does not speak for: their source id is not sent (bulk) or deleted (delta),
    /// no row resolves to them, and no skipped row names them by source id or email.
    /// </summary>
    private static List<PersonRecord> AbsentPeople(PlannedStep s)
    {
        var scope = new ScopeFilter(s.Settings.Filters);
        var sent = s.Snapshot.People.Where(p => !s.Settings.AbandonFiltered || scope.PersonInScope(p)).Select(p => p.SourceId).ToHashSet();
        var deleted = s.Snapshot.Deletions.Where(d => d.Kind == SnapshotKinds.People).Select(d => d.SourceId).ToHashSet();
        var resolved = ResolvedRows(s).Select(r => r.SourceId).ToHashSet();
        var matched = s.After.People.Where(p => p.Links.OneRoster is { } l && resolved.Contains(l)).Select(p => p.Id).ToHashSet();
        var skippedRows = s.Snapshot.People.Where(p => !resolved.Contains(p.SourceId)).ToList();
        var named = skippedRows.Select(r => EmailNormalizer.Normalize(r.Email)).Where(e => e is not null).ToHashSet();
        var bulk = s.Snapshot.ModeOf(SnapshotKinds.People) == FeedMode.Bulk;
        return s.Before.People.Where(p => p.Origin == Origins.Synced && p.Status == RecordStatus.Active && p.Links.OneRoster is { } link
                && (bulk ? !sent.Contains(link) : deleted.Contains(link))
                && !matched.Contains(p.Id) && (p.NormalizedEmail is null || !named.Contains(p.NormalizedEmail)))
            .ToList();
    }

    /// <summary>The snapshot's enrollments whose class and person the roster after the step holds, as (person, class, role).</summary>
    private static IEnumerable<(Guid Person, Guid Class, string Role, string SourceId)> SentEnrollments(PlannedStep s)
    {
        var rows = ResolvedRows(s).Select(r => r.SourceId).ToHashSet();
        var people = s.After.People.Where(p => p.Links.OneRoster is not null && p.Status == RecordStatus.Active)
            .GroupBy(p => p.Links.OneRoster!).ToDictionary(g => g.Key, g => g.First().Id);
        // A class resolves when the snapshot sends it (in scope unless filtered records are kept), or, in a delta, did not delete it.
        var scope = new ScopeFilter(s.Settings.Filters);
        var bulk = s.Snapshot.ModeOf(SnapshotKinds.Classes) == FeedMode.Bulk;
        var sentClasses = s.Snapshot.Classes.Where(c => !s.Settings.AbandonFiltered || scope.ClassInScope(c)).Select(c => c.SourceId).ToHashSet();
        var deleted = s.Snapshot.Deletions.Where(d => d.Kind == SnapshotKinds.Classes).Select(d => d.SourceId).ToHashSet();
        var classes = s.After.Classes.Where(c => c.Links.OneRoster is { } l && (bulk ? sentClasses.Contains(l) : !deleted.Contains(l)))
            .ToDictionary(c => c.Links.OneRoster!, c => c.Id);
        var sentPeople = s.Snapshot.People.Select(p => p.SourceId).ToHashSet();
        for (var i = 0; i < s.Snapshot.Enrollments.Count; i++)
        {
            var (klass, person, role) = s.Snapshot.Enrollments.Keys(i);
            // A row of the people file that was skipped or filtered takes its enrollments with it.
            if (sentPeople.Contains(person) && !rows.Contains(person)) continue;
            if (classes.TryGetValue(klass, out var c) && people.TryGetValue(person, out var p))
                yield return (p, c, role, s.Snapshot.Enrollments.SourceId(i));
        }
    }

    private static IEnumerable<(Guid Guardian, Guid Student)> SentGuardianLinks(PlannedStep s)
    {
        var rows = ResolvedRows(s).Select(r => r.SourceId).ToHashSet();
        var people = s.After.People.Where(p => p.Links.OneRoster is { } l && rows.Contains(l)).ToDictionary(p => p.Links.OneRoster!, p => p.Id);
        foreach (var l in s.Snapshot.GuardianLinks)
            if (people.TryGetValue(l.GuardianSourceId, out var g) && people.TryGetValue(l.StudentSourceId, out var st))
                yield return (g, st);
    }

    /// <summary>Both ends of the link are rows the planner resolved (a link between present people that the source dropped).</summary>
    private static bool BothSent(PlannedStep s, LinkRecord l)
    {
        var rows = ResolvedRows(s).Select(r => r.SourceId).ToHashSet();
        bool Sent(Guid id) => s.After.People.FirstOrDefault(p => p.Id == id)?.Links.OneRoster is { } link && rows.Contains(link);
        return Sent(l.PersonId) && Sent(l.TargetId);
    }

    private static void Compare<T>(IReadOnlyList<T> before, IReadOnlyList<T> after, Func<T, Guid> id, Func<T, string> canon, Func<T, bool> retired,
        string what, Func<Guid, bool> excused)
    {
        var now = after.ToDictionary(id);
        foreach (var b in before)
        {
            Assert.True(now.TryGetValue(id(b), out var a), $"{what} {id(b)} is gone after the revert");
            Assert.True(canon(b) == canon(a!) || excused(id(b)), $"{what} not restored:\n  before {canon(b)}\n  after  {canon(a!)}");
        }
        var existed = before.Select(id).ToHashSet();
        foreach (var a in after.Where(a => !existed.Contains(id(a))))
            Assert.True(retired(a), $"{what} created by the reverted run is still live after the revert: {canon(a)}");
    }

    public static string Canon(PersonRecord p) => string.Join("|", p.Id, p.Email, p.NormalizedEmail, p.GivenName, p.FamilyName, p.MiddleName,
        string.Join(",", p.Roles), p.Grade, p.GraduationYear?.ToString(CultureInfo.InvariantCulture), p.Sms, p.Phone, p.Language, p.Room,
        p.Status, p.Origin, p.AccountState, p.Links);

    public static string Canon(ClassRecord c) => string.Join("|", c.Id, c.Name, c.SchoolId, c.Grade, c.Subject, c.TermId, c.CourseId,
        c.IsHomeroom, c.Status, c.Origin, c.Links);
}
