using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Tests.Rules;

/// <summary>Small builders so each rule test reads as the rule: a snapshot, a current state, settings.</summary>
internal static class B
{
    public const string School1 = "sch-1";
    public static readonly SourceLocation Row = new("users.csv", 2);

    public static SourcePerson Student(string id, string? email, string given = "Ana", string family = "Diaz", string? grade = "09",
        string school = School1, string? sis = null) =>
        new(id, email, given, family, null, [Roles.Student], grade, null, null, null, sis, [school], Row);

    public static SourcePerson Teacher(string id, string? email, params string[] schools) =>
        new(id, email, "Tom", "Teach", null, [Roles.Teacher], null, null, null, null, null, schools.Length == 0 ? [School1] : schools, Row);

    public static SourcePerson Guardian(string id, string? email, string? sms = null) =>
        new(id, email, "Gia", "Guard", null, [Roles.Guardian], null, null, sms, null, null, [School1], Row);

    public static Snapshot Snap(params SourcePerson[] people) => Snap(people, [], []);

    public static Snapshot Snap(IEnumerable<SourcePerson> people, IEnumerable<SourceClass> classes, IEnumerable<SourceEnrollment> enrollments,
        IEnumerable<SourceGuardianLink>? guardianLinks = null, FeedMode mode = FeedMode.Bulk)
    {
        var s = new Snapshot { LinkKind = LinkKinds.OneRoster };
        s.Schools.Add(new SourceSchool(School1, "Lincoln High", null, Row));
        s.Schools.Add(new SourceSchool("sch-2", "Adams Middle", null, Row));
        s.People.AddRange(people);
        s.Classes.AddRange(classes);
        s.Enrollments.AddRange(enrollments);
        s.GuardianLinks.AddRange(guardianLinks ?? []);
        foreach (var kind in new[] { SnapshotKinds.Schools, SnapshotKinds.People, SnapshotKinds.Classes, SnapshotKinds.Enrollments })
            s.Modes[kind] = mode;
        return s;
    }

    public static SourceClass Class(string id, string name = "Algebra I", bool homeroom = false, string school = School1) =>
        new(id, name, school, "09", "Math", null, [], homeroom, new("classes.csv", 2));

    public static SourceEnrollment Enroll(string classId, string personId, string role = EnrollmentRoles.Student) =>
        new($"{classId}-{personId}", classId, personId, role, new("enrollments.csv", 2));

    public static SourceGuardianLink Link(string guardian, string student, string? relationship = null) => new(guardian, student, relationship, Row);

    public static PersonRecord Existing(string? email, string? oneRosterId = null, string origin = Origins.Synced,
        string accountState = AccountStates.Invitee, string role = Roles.Student, string status = RecordStatus.Active) => new()
    {
        Id = Guid.NewGuid(),
        Email = email,
        NormalizedEmail = EmailNormalizer.Normalize(email),
        GivenName = "Ana",
        FamilyName = "Diaz",
        Grade = role == Roles.Student ? "09" : null,
        Roles = [role],
        Origin = origin,
        AccountState = accountState,
        Status = status,
        Links = new SourceLinks(OneRoster: oneRosterId),
    };

    public static Plan Plan(Snapshot snapshot, RosterState? state = null, SyncSettings? settings = null) =>
        Planner.Plan(snapshot, state ?? RosterState.Empty, settings ?? SyncSettings.Default);

    public static RosterState State(params PersonRecord[] people) => new() { People = people };

    /// <summary>What the database would hold after the plan: the plan's records replace the state's by id.</summary>
    public static RosterState After(this RosterState state, Plan plan)
    {
        static IReadOnlyList<T> Merge<T>(IEnumerable<T> current, IEnumerable<T> written, Func<T, Guid> id)
        {
            var byId = current.ToDictionary(id);
            foreach (var w in written) byId[id(w)] = w;
            return byId.Values.ToList();
        }
        return new RosterState
        {
            People = Merge(state.People, plan.People, p => p.Id),
            Schools = Merge(state.Schools, plan.Schools, s => s.Id),
            Classes = Merge(state.Classes, plan.Classes, c => c.Id),
            Sessions = Merge(state.Sessions, plan.Sessions, s => s.Id),
            Courses = Merge(state.Courses, plan.Courses, c => c.Id),
            Memberships = Merge(state.Memberships, plan.Memberships, l => l.Id),
            Enrollments = Merge(state.Enrollments, plan.Enrollments, l => l.Id),
            GuardianLinks = Merge(state.GuardianLinks, plan.GuardianLinks, l => l.Id),
        };
    }

    /// <summary>Plans, applies in memory, and returns the resulting state, for multi-step stories.</summary>
    public static RosterState Sync(this RosterState state, Snapshot snapshot, SyncSettings? settings = null) =>
        state.After(Planner.Plan(snapshot, state, settings ?? SyncSettings.Default));

    public static PersonRecord PersonWithLink(this RosterState state, string oneRosterId) =>
        state.People.Single(p => p.Links.OneRoster == oneRosterId);

    public static IEnumerable<Change> Of(this Plan plan, string entity, string action) =>
        plan.Changes.Where(c => c.Entity == entity && c.Action == action);
}
