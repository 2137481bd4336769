using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources.ClassLink;

/// <summary>
/// Builds a snapshot from OneRoster 1.1 REST records the way <see cref="OneRosterZipReader"/> builds one from CSV
/// rows (shared values: <see cref="OneRosterVocabulary"/>): schools are orgs of type school plus any non-district
/// org a user or class uses as its school; users of every role; agents link guardians and students either way.
/// Records are added in dependency order: orgs, sessions, courses, users, classes, enrollments.
/// </summary>
public sealed class OneRosterRestMapping(string linkKind)
{
    private readonly Snapshot _s = new() { LinkKind = linkKind };
    private readonly List<(SourceSchool School, string? Type)> _orgs = [];
    private readonly Dictionary<string, string?> _orgTypes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _referencedOrgs = new(StringComparer.Ordinal);
    private readonly OneRosterAgents _agents = new();
    private readonly HashSet<(string Kind, string Id)> _seen = [];

    public IList<SourceIssue> Issues => _s.Issues;

    public void Add(OneRosterOrg org, SourceLocation at)
    {
        ArgumentNullException.ThrowIfNull(org);
        if (!Admit(SnapshotKinds.Schools, Entities.School, org, at)) return;
        var type = org.Type?.Trim().ToLowerInvariant();
        _orgTypes[org.SourcedId!] = type;
        _orgs.Add((new SourceSchool(org.SourcedId!, Clean(org.Name) ?? org.SourcedId!, Clean(org.Identifier), at), type));
    }

    public void Add(OneRosterSession session, SourceLocation at)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!Admit(SnapshotKinds.Sessions, Entities.AcademicSession, session, at)) return;
        _s.Sessions.Add(new SourceSession(
            session.SourcedId!, Clean(session.Title) ?? session.SourcedId!, Clean(session.Type),
            OneRosterVocabulary.Date(session.StartDate), OneRosterVocabulary.Date(session.EndDate), Clean(session.SchoolYear), at));
    }

    public void Add(OneRosterCourse course, SourceLocation at)
    {
        ArgumentNullException.ThrowIfNull(course);
        if (!Admit(SnapshotKinds.Courses, Entities.Course, course, at)) return;
        _s.Courses.Add(new SourceCourse(
            course.SourcedId!, Clean(course.Title) ?? Clean(course.CourseCode) ?? course.SourcedId!, Clean(course.CourseCode), Id(course.Org), at));
    }

    public void Add(OneRosterUser user, SourceLocation at)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!Admit(SnapshotKinds.People, Entities.Person, user, at)) return;
        if (OneRosterVocabulary.UserRole(user.Role) is not { } role)
        {
            Warn(Entities.Person, user.SourcedId, at, user.Role is null ? "The user has no role; skipped" : $"Unknown role '{user.Role}'; the user is skipped");
            _s.Skipped.Add(new SourceSkip(SnapshotKinds.People, user.SourcedId!, at));
            return;
        }

        // District-level orgs are not schools; a membership is always in a school.
        var schools = Ids(user.Orgs).Where(id => !OneRosterVocabulary.IsDistrictLike(_orgTypes.GetValueOrDefault(id))).ToList();
        _referencedOrgs.UnionWith(schools);
        _s.People.Add(new SourcePerson(
            user.SourcedId!, Clean(user.Email), Clean(user.GivenName), Clean(user.FamilyName), Clean(user.MiddleName), [role],
            user.Grades?.Select(Clean).FirstOrDefault(g => g is not null), null, Clean(user.Sms), Clean(user.Phone), Clean(user.Identifier),
            schools, at));
        _agents.AddUser(user.SourcedId!, role, user.Role, Ids(user.Agents).ToArray(), at);
    }

    public void Add(OneRosterClass cls, SourceLocation at)
    {
        ArgumentNullException.ThrowIfNull(cls);
        if (!Admit(SnapshotKinds.Classes, Entities.Class, cls, at)) return;
        var school = Id(cls.School);
        if (school is not null && OneRosterVocabulary.IsDistrictLike(_orgTypes.GetValueOrDefault(school)))
        {
            Warn(Entities.Class, cls.SourcedId, at, $"The class's school '{school}' is a {_orgTypes[school]}, not a school");
        }
        else if (school is not null)
        {
            _referencedOrgs.Add(school);
        }

        _s.Classes.Add(new SourceClass(
            cls.SourcedId!, Clean(cls.Title) ?? Clean(cls.ClassCode) ?? cls.SourcedId!, school, cls.Grades?.Select(Clean).FirstOrDefault(g => g is not null),
            cls.Subjects?.Select(Clean).FirstOrDefault(s => s is not null), Id(cls.Course), Ids(cls.Terms).ToList(),
            OneRosterVocabulary.IsHomeroom(cls.ClassType), at));
    }

    public void Add(OneRosterEnrollment enrollment, SourceLocation at)
    {
        ArgumentNullException.ThrowIfNull(enrollment);
        if (!Admit(SnapshotKinds.Enrollments, Entities.Enrollment, enrollment, at)) return;
        var role = OneRosterVocabulary.EnrollmentRole(enrollment.Role, enrollment.Primary);
        if (Id(enrollment.Class) is not { } classId || Id(enrollment.User) is not { } userId)
        {
            _s.Issues.Add(new SourceIssue(Severities.Error, null, Entities.Enrollment, enrollment.SourcedId, at, "The enrollment names no class or user; skipped"));
        }
        else if (role is null)
        {
            Warn(Entities.Enrollment, enrollment.SourcedId, at, enrollment.Role is null ? "The enrollment has no role; skipped" : $"Enrollment role '{enrollment.Role}' is not synced; skipped");
            _s.Skipped.Add(new SourceSkip(SnapshotKinds.Enrollments, enrollment.SourcedId!, at));
        }
        else
        {
            if (Id(enrollment.School) is { } school) _referencedOrgs.Add(school);
            _s.Enrollments.Add(new SourceEnrollment(enrollment.SourcedId!, classId, userId, role, at));
        }
    }

    /// <summary>The snapshot of a full read: every kind bulk.</summary>
    public Snapshot Finish()
    {
        foreach (var (school, type) in _orgs)
        {
            if (type == "school" || (!OneRosterVocabulary.IsDistrictLike(type) && _referencedOrgs.Contains(school.SourceId)))
            {
                _s.Schools.Add(school);
            }
        }

        _s.GuardianLinks.AddRange(_agents.Links());

        foreach (var kind in new[]
        {
            SnapshotKinds.Schools, SnapshotKinds.Sessions, SnapshotKinds.Courses, SnapshotKinds.People, SnapshotKinds.Classes,
            SnapshotKinds.Enrollments, SnapshotKinds.GuardianLinks,
        })
        {
            _s.Modes[kind] = FeedMode.Bulk;
        }

        return _s;
    }

    /// <summary>
    /// A record of this full read: it has a sourcedId not seen before (offset paging can repeat a row when the data
    /// shifts between pages) and is not tobedeleted, which a full read treats as absent.
    /// </summary>
    private bool Admit(string kind, string entity, IOneRosterRecord record, SourceLocation at)
    {
        if (string.IsNullOrWhiteSpace(record.SourcedId))
        {
            _s.Issues.Add(new SourceIssue(Severities.Error, null, entity, null, at, "A record has no sourcedId; skipped"));
            return false;
        }

        var status = record.Status?.Trim();
        if (string.Equals(status, "tobedeleted", StringComparison.OrdinalIgnoreCase) || !_seen.Add((kind, record.SourcedId)))
        {
            return false;
        }

        if (status is not null && !status.Equals("active", StringComparison.OrdinalIgnoreCase))
        {
            Warn(entity, record.SourcedId, at, status.Equals("inactive", StringComparison.OrdinalIgnoreCase)
                ? "Status inactive is not OneRoster 1.1; read as active"
                : $"Unknown status '{status}'; read as active");
        }

        return true;
    }

    private void Warn(string entity, string? id, SourceLocation at, string message) =>
        _s.Issues.Add(new SourceIssue(Severities.Warning, null, entity, id, at, message));

    private static string? Id(OneRosterRef? reference) => Clean(reference?.SourcedId);

    private static IEnumerable<string> Ids(IEnumerable<OneRosterRef>? references) =>
        (references ?? []).Select(Id).OfType<string>().Distinct(StringComparer.Ordinal);

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
