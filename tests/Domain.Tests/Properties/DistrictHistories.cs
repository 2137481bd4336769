using CsCheck;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Tests.Properties;

/// <summary>One change the SIS makes between two snapshots; <see cref="A"/> and <see cref="B"/> pick records modulo their count.</summary>
internal sealed record HistoryOp(int Kind, int A, int B)
{
    public override string ToString() => $"{DistrictHistories.OpNames[Kind]}({A},{B})";
}

/// <summary>
/// One snapshot of a history: the SIS's changes, then how it is delivered (bulk or delta), rows the reader passes but the
/// planner skips (an invalid email, a duplicate email), the district's settings for the run, and sign-ins reported by front ends.
/// </summary>
internal sealed record HistoryStep(HistoryOp[] Ops, bool Delta, int InvalidEmail, int DuplicateEmail, int SettingBits, int[] SignIns)
{
    public override string ToString() =>
        $"[{string.Join(" ", Ops.Select(o => o.ToString()))}] {(Delta ? "delta" : "bulk")} invalid={InvalidEmail} dup={DuplicateEmail} "
        + $"settings={SettingBits} signIns=[{string.Join(",", SignIns)}]";
}

internal sealed record DistrictHistory(int Students, int Teachers, int Classes, int Seed, HistoryStep[] Steps)
{
    public override string ToString() =>
        $"start: {Students} students, {Teachers} teachers, {Classes} classes, seed {Seed}\n  " + string.Join("\n  ", Steps.Select(s => s.ToString()));
}

/// <summary>
/// Random district histories for the planner's generative tests: the SIS's side is a small <see cref="World"/> changed by
/// <see cref="HistoryOp"/>s; each step turns it into a <see cref="Snapshot"/> the way a reader would. Every generated value is
/// valid whatever it shrinks to (indexes are taken modulo), so CsCheck shrinks a failure to a minimal history.
/// </summary>
internal static class DistrictHistories
{
    public static readonly string[] OpNames =
        ["addStudent", "addTeacher", "leaveOrReturn", "newSourceId", "newEmail", "rename", "addClass", "classLeavesOrReturns",
         "enrollOrDrop", "linkOrUnlink", "moveSchool", "newGrade"];

    private static readonly Gen<HistoryOp> Op =
        Gen.Select(Gen.Int[0, OpNames.Length - 1], Gen.Int[0, 99], Gen.Int[0, 99], (k, a, b) => new HistoryOp(k, a, b));

    private static readonly Gen<HistoryStep> Step = Gen.Select(
        Op.Array[0, 6], Gen.Int[0, 4], Gen.Int[-6, 20], Gen.Int[-6, 20], Gen.Int[0, 63], Gen.Int[0, 99].Array[0, 1],
        (ops, delta, invalid, dup, settings, signIns) => new HistoryStep(ops, delta == 4, invalid, dup, settings, signIns));

    public static Gen<DistrictHistory> Histories(int maxSteps) => Gen.Select(
        Gen.Int[0, 6], Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, 99], Step.Array[1, maxSteps],
        (students, teachers, classes, seed, steps) => new DistrictHistory(students, teachers, classes, seed, steps));

    /// <summary>The settings a step's bits choose: R12 policy, R15 policy, R8, and one R18 filter (most steps none).</summary>
    public static SyncSettings Settings(int bits)
    {
        var filter = (bits >> 3) & 7;
        return SyncSettings.Default with
        {
            AbandonedStudents = (bits & 1) != 0 ? AbandonedStudentPolicy.Remove : AbandonedStudentPolicy.Archive,
            FamilyAbandonment = (bits & 2) != 0 ? FamilyAbandonmentPolicy.Extreme : FamilyAbandonmentPolicy.Soft,
            UpdateActiveUsers = (bits & 4) != 0,
            AbandonFiltered = filter == 7,
            Filters = filter switch
            {
                4 => new SyncFilters { Roles = [Roles.Student, Roles.Teacher] },
                5 => new SyncFilters { SchoolSourceIds = [World.Schools[0]] },
                6 or 7 => new SyncFilters { HomeroomOnly = true },
                _ => new SyncFilters(),
            },
        };
    }
}

internal sealed record WorldPerson(int Key, string Role, string SourceId, string Email, string Given, string? Grade, string School, bool Present);

internal sealed record WorldClass(int Key, string SourceId, string Name, string School, bool Homeroom, bool Present);

/// <summary>The SIS's own records: what a snapshot of it sends.</summary>
internal sealed class World
{
    public static readonly string[] Schools = ["sch-1", "sch-2"];
    private static readonly string[] Names = ["Ana", "Bo", "Cy", "Di", "Ed"];
    private static readonly SourceLocation At = new("users.csv", 2);

    public List<WorldPerson> People { get; private init; } = [];
    public List<WorldClass> Classes { get; private init; } = [];
    /// <summary>(class key, person key).</summary>
    public HashSet<(int Class, int Person)> Enrollments { get; private init; } = [];
    /// <summary>(guardian key, student key).</summary>
    public HashSet<(int Guardian, int Student)> Links { get; private init; } = [];
    private int _next;

    public World Clone() => new()
    {
        People = [.. People], Classes = [.. Classes], Enrollments = [.. Enrollments], Links = [.. Links], _next = _next,
    };

    public static World Start(DistrictHistory h)
    {
        var w = new World();
        for (var i = 0; i < h.Students; i++) w.AddStudent(h.Seed + i, (h.Seed >> i) % 3);
        for (var i = 0; i < h.Teachers; i++) w.AddPerson(Roles.Teacher, h.Seed + i);
        for (var i = 0; i < h.Classes; i++) w.AddClass(h.Seed + i);
        foreach (var c in w.Classes)
            foreach (var p in w.People.Where(p => p.Role != Roles.Guardian && (p.Key + c.Key + h.Seed) % 2 == 0))
                w.Enrollments.Add((c.Key, p.Key));
        return w;
    }

    public void Apply(HistoryOp op)
    {
        var (a, b) = (op.A, op.B);
        var people = People.Where(p => p.Role != Roles.Guardian).ToList();
        var students = People.Where(p => p.Role == Roles.Student).ToList();
        var guardians = People.Where(p => p.Role == Roles.Guardian).ToList();
        switch (op.Kind)
        {
            case 0: AddStudent(a, b % 3); break;
            case 1: AddPerson(Roles.Teacher, a); break;
            case 2 when People.Count > 0: Update(People[a % People.Count], p => p with { Present = !p.Present }); break;
            case 3 when People.Count > 0: Update(People[a % People.Count], p => p with { SourceId = $"p{p.Key}-{++_next}" }); break;
            case 4 when People.Count > 0: Update(People[a % People.Count], p => p with { Email = $"p{p.Key}.{++_next}@x.org" }); break;
            case 5 when People.Count > 0: Update(People[a % People.Count], p => p with { Given = Names[b % Names.Length] }); break;
            case 6: AddClass(a); break;
            case 7 when Classes.Count > 0:
                var c = Classes[a % Classes.Count];
                Classes[Classes.IndexOf(c)] = c with { Present = !c.Present };
                break;
            case 8 when people.Count > 0 && Classes.Count > 0:
                var e = (Classes[b % Classes.Count].Key, people[a % people.Count].Key);
                if (!Enrollments.Remove(e)) Enrollments.Add(e);
                break;
            case 9 when guardians.Count > 0 && students.Count > 0:
                var l = (guardians[a % guardians.Count].Key, students[b % students.Count].Key);
                if (!Links.Remove(l)) Links.Add(l);
                break;
            case 10 when People.Count > 0: Update(People[a % People.Count], p => p with { School = Schools[b % 2] }); break;
            case 11 when students.Count > 0: Update(students[a % students.Count], p => p with { Grade = $"{9 + b % 4:00}" }); break;
        }
    }

    private void Update(WorldPerson p, Func<WorldPerson, WorldPerson> change) => People[People.IndexOf(p)] = change(p);

    private WorldPerson AddPerson(string role, int a)
    {
        var key = ++_next;
        var p = new WorldPerson(key, role, $"p{key}", $"p{key}@x.org", Names[a % Names.Length], role == Roles.Student ? $"{9 + a % 4:00}" : null,
            Schools[a % 2], Present: true);
        People.Add(p);
        return p;
    }

    /// <summary>A student with no guardian, a new one, or (when there is one) an existing guardian.</summary>
    private void AddStudent(int a, int guardian)
    {
        var s = AddPerson(Roles.Student, a);
        var existing = People.Where(p => p.Role == Roles.Guardian).ToList();
        if (guardian == 1 || guardian == 2 && existing.Count == 0) Links.Add((AddPerson(Roles.Guardian, a + 1).Key, s.Key));
        else if (guardian == 2) Links.Add((existing[a % existing.Count].Key, s.Key));
    }

    private void AddClass(int a)
    {
        var key = ++_next;
        Classes.Add(new WorldClass(key, $"c{key}", $"Class {key}", Schools[a % 2], Homeroom: a % 3 == 0, Present: true));
    }

    /// <summary>
    /// The snapshot a reader makes of this world. A bulk snapshot sends every present record; a delta sends the records that
    /// changed since <paramref name="before"/> and deletes (tobedeleted) the people and classes that left or changed source id.
    /// Enrollments and guardian links a delta drops are not expressed: a delta deletion names only an enrollment's own
    /// sourcedId, which the roster does not keep (see the report), and links come with their student's row.
    /// </summary>
    public Snapshot ToSnapshot(World before, HistoryStep step)
    {
        var s = new Snapshot { LinkKind = LinkKinds.OneRoster };
        foreach (var school in Schools) s.Schools.Add(new SourceSchool(school, $"School {school}", null, At));
        var mode = step.Delta ? FeedMode.Delta : FeedMode.Bulk;
        foreach (var kind in new[] { SnapshotKinds.Schools, SnapshotKinds.People, SnapshotKinds.Classes, SnapshotKinds.Enrollments })
            s.Modes[kind] = mode;

        var oldPeople = before.People.ToDictionary(p => p.Key);
        var oldClasses = before.Classes.ToDictionary(c => c.Key);
        bool Sent(WorldPerson p) => p.Present && (!step.Delta || !oldPeople.TryGetValue(p.Key, out var o) || o != p);
        bool SentClass(WorldClass c) => c.Present && (!step.Delta || !oldClasses.TryGetValue(c.Key, out var o) || o != c);

        var rows = People.Where(Sent).ToList();
        var emails = rows.Select(p => p.Email).ToList();
        if (step.InvalidEmail >= 0 && step.InvalidEmail < rows.Count) emails[step.InvalidEmail] = "not-an-email";
        if (step.DuplicateEmail >= 0 && rows.Count > 1) emails[step.DuplicateEmail % rows.Count] = emails[(step.DuplicateEmail + 1) % rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var p = rows[i];
            s.People.Add(new SourcePerson(p.SourceId, emails[i], p.Given, "Family", null, [p.Role], p.Grade, null, null, null, null, [p.School], At));
        }
        foreach (var c in Classes.Where(SentClass))
            s.Classes.Add(new SourceClass(c.SourceId, c.Name, c.School, "09", null, null, [], c.Homeroom, new("classes.csv", 2)));

        var person = People.ToDictionary(p => p.Key);
        var klass = Classes.ToDictionary(c => c.Key);
        foreach (var (c, p) in Enrollments.Order())
        {
            if (!klass[c].Present || !person[p].Present) continue;
            var isNew = !before.Enrollments.Contains((c, p)) || !oldPeople.TryGetValue(p, out var op) || !op.Present || op.SourceId != person[p].SourceId
                || !oldClasses.TryGetValue(c, out var oc) || !oc.Present;
            if (step.Delta && !isNew) continue;
            var role = person[p].Role == Roles.Teacher ? EnrollmentRoles.Teacher : EnrollmentRoles.Student;
            s.Enrollments.Add(new SourceEnrollment($"e-{c}-{p}", klass[c].SourceId, person[p].SourceId, role, new("enrollments.csv", 2)));
        }
        var sentKeys = rows.Select(p => p.Key).ToHashSet();
        foreach (var (g, st) in Links.Order())
            if (person[g].Present && person[st].Present && (!step.Delta || sentKeys.Contains(g) || sentKeys.Contains(st)))
                s.GuardianLinks.Add(new SourceGuardianLink(person[g].SourceId, person[st].SourceId, null, At));

        if (step.Delta)
        {
            foreach (var o in before.People.Where(o => o.Present && (!person[o.Key].Present || person[o.Key].SourceId != o.SourceId)))
                s.Deletions.Add(new SourceDeletion(SnapshotKinds.People, o.SourceId, At));
            foreach (var o in before.Classes.Where(o => o.Present && !klass[o.Key].Present))
                s.Deletions.Add(new SourceDeletion(SnapshotKinds.Classes, o.SourceId, At));
        }
        return s;
    }
}

/// <summary>
/// Runs a history through the planner, folding each plan into an in-memory roster (what <see cref="Rules.B.After"/> does) and
/// calling <paramref name="check"/> after every step. New record ids come from a counter, so a history plans the same every time.
/// </summary>
internal static class HistoryRunner
{
    /// <param name="check">Called with each planned step and the history's id source (for planning again).</param>
    public static void Run(DistrictHistory history, Action<PlannedStep, Func<Guid>> check)
    {
        var newId = Ids();
        var state = RosterState.Empty;
        var i = 0;
        foreach (var (step, snapshot, settings) in Snapshots(history))
        {
            state = WithAccountState(state, SignedIn(state, step.SignIns));
            var plan = Planner.Plan(snapshot, state, settings, newId);
            var after = Rules.B.After(state, plan);
            Check(i++, new PlannedStep(snapshot, settings, state, plan, after), s => check(s, newId));
            state = after;
        }
    }

    /// <summary>New record ids from a counter, so a history plans the same every time; <paramref name="history"/> keeps histories sharing a database apart.</summary>
    public static Func<Guid> Ids(int history = 0)
    {
        var ids = 0;
        return () => Guid.ParseExact($"{history:x8}{++ids:x24}", "N");
    }

    /// <summary>The world after each step's changes, as the snapshot the step delivers and the settings it runs with.</summary>
    public static IEnumerable<(HistoryStep Step, Snapshot Snapshot, SyncSettings Settings)> Snapshots(DistrictHistory history)
    {
        var world = World.Start(history);
        var previous = new World();
        for (var i = 0; i < history.Steps.Length; i++)
        {
            var step = history.Steps[i] with { Delta = i > 0 && history.Steps[i].Delta };
            if (i > 0)
            {
                previous = world.Clone();
                foreach (var op in step.Ops) world.Apply(op);
            }
            yield return (step, world.ToSnapshot(previous, step), DistrictHistories.Settings(step.SettingBits));
        }
    }

    /// <summary>Runs a step's checks; a failure reports what the step saw and did.</summary>
    public static void Check(int index, PlannedStep s, Action<PlannedStep> check)
    {
        try
        {
            check(s);
        }
        catch (Exception e) when (e is not StepFailed)
        {
            throw new StepFailed(index, Describe(s.Snapshot, s.Before, s.Plan), e);
        }
    }

    /// <summary>People a front end reports as signed in before a step (accountState active): R8 then protects their contact details.</summary>
    public static HashSet<Guid> SignedIn(RosterState state, int[] picks)
    {
        if (state.People.Count == 0) return [];
        var people = state.People.OrderBy(p => p.Id).ToList();
        return picks.Select(pick => people[pick % people.Count].Id).ToHashSet();
    }

    internal static RosterState WithAccountState(RosterState state, HashSet<Guid> signedIn) => signedIn.Count == 0 ? state : new RosterState
    {
        People = state.People.Select(p => signedIn.Contains(p.Id) ? p with { AccountState = AccountStates.Active } : p).ToList(),
        Schools = state.Schools, Classes = state.Classes, Sessions = state.Sessions, Courses = state.Courses,
        Memberships = state.Memberships, Enrollments = state.Enrollments, GuardianLinks = state.GuardianLinks,
    };

    /// <summary>What a failing step saw and did, for the shrunk history's report.</summary>
    private static string Describe(Snapshot snapshot, RosterState before, Plan plan) =>
        "rows: " + string.Join(", ", snapshot.People.Select(p => $"{p.SourceId}/{p.Email}/{p.Roles[0]}/{p.SchoolSourceIds[0]}"))
        + "\nroster before: " + string.Join(", ", before.People.Select(p => $"{p.Id.ToString()[^4..]}:{p.Links.OneRoster}/{p.Email}/{p.Status}"))
        + "\nchanges: " + string.Join("; ", plan.Changes.Select(c => $"{c.Entity} {c.RecordId?.ToString()[^4..]} {c.SourceId} {c.Action} {c.Field} {c.Before}→{c.After} {c.Rule}"))
        + "\nkept: " + string.Join("; ", plan.Kept.Select(k => $"{k.Entity} {k.RecordId.ToString()[^4..]} {k.Rule}"))
        + "\nissues: " + string.Join("; ", plan.Issues.Select(i => $"{i.Rule} {i.SourceId} {i.Message}"));

    private sealed class StepFailed(int step, string description, Exception inner)
        : Exception($"step {step}: {inner.Message}\n{description}", inner);
}
