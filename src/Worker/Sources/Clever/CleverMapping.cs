using System.Globalization;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources.Clever;

/// <summary>
/// Clever records onto the snapshot (docs/sources.md lists every field). The Clever id is the source id and the
/// role's sis_id the SIS id; one user with several roles is one person with several roles.
/// </summary>
public static class CleverMapping
{
    /// <summary>Clever's subject value for homeroom and advisory sections.</summary>
    public const string HomeroomSubject = "homeroom/advisory";

    public static SourceSchool School(CleverSchool school, SourceLocation at) =>
        new(school.Id!, Clean(school.Name) ?? school.Id!, Clean(school.SchoolNumber) ?? Clean(school.SisId), at);

    /// <summary>
    /// The person a user is, or null when it holds no role we sync. Roles in the order the first one decides a
    /// school membership's role: student, teacher, staff, administrator (Clever district admin), guardian (contact).
    /// </summary>
    public static SourcePerson? Person(CleverUser user, SourceLocation at)
    {
        var r = user.Roles;
        var roles = new List<string>();
        if (r?.Student is not null) roles.Add(Roles.Student);
        if (r?.Teacher is not null) roles.Add(Roles.Teacher);
        if (r?.Staff is not null) roles.Add(Roles.Staff);
        if (r?.DistrictAdmin is not null) roles.Add(Roles.Administrator);
        if (r?.Contact is not null) roles.Add(Roles.Guardian);
        if (r is null || roles.Count == 0)
        {
            return null;
        }

        var schools = new[] { r.Student?.School, r.Teacher?.School }
            .Concat(r.Student?.Schools ?? []).Concat(r.Teacher?.Schools ?? []).Concat(r.Staff?.Schools ?? [])
            .Select(Clean).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var (given, family) = Names(user.Name, contactOnly: roles is [Roles.Guardian]);
        var phone = Clean(r.Contact?.Phone);
        var sms = phone is not null && string.Equals(r.Contact?.PhoneType?.Trim(), "cell", StringComparison.OrdinalIgnoreCase) ? phone : null;
        return new SourcePerson(
            user.Id!, Clean(user.Email), given, family, Clean(user.Name?.Middle), roles, Clean(r.Student?.Grade),
            Year(r.Student?.GraduationYear), sms, phone,
            Clean(r.Student?.SisId) ?? Clean(r.Teacher?.SisId) ?? Clean(r.Staff?.StaffId) ?? Clean(r.Contact?.SisId), schools, at)
        {
            // R17: a student belongs to its primary school only.
            PrimarySchoolSourceId = Clean(r.Student?.School) ?? Clean(r.Teacher?.School) ?? schools.FirstOrDefault(),
        };
    }

    /// <summary>A contact's link to each student it names; one per student even when Clever lists several relationships.</summary>
    public static IEnumerable<SourceGuardianLink> GuardianLinks(CleverUser user, SourceLocation at) =>
        (user.Roles?.Contact?.StudentRelationships ?? [])
            .Where(s => Clean(s.Student) is not null)
            .DistinctBy(s => s.Student!.Trim(), StringComparer.Ordinal)
            .Select(s => new SourceGuardianLink(user.Id!, s.Student!.Trim(), Clean(s.Relationship), at));

    public static SourceClass Class(CleverSection section, IReadOnlyCollection<string> homeroomKeywords, SourceLocation at) =>
        new(section.Id!, Clean(section.Name) ?? section.Id!, Clean(section.School), Clean(section.Grade), Clean(section.Subject),
            Clean(section.Course), Clean(section.TermId) is { } term ? [term] : [], IsHomeroom(section, homeroomKeywords), at);

    /// <summary>
    /// Homeroom detection (a setting, Sources:Clever:HomeroomKeywords): Clever's "homeroom/advisory" subject, or a
    /// keyword in the section's name, period or subject.
    /// </summary>
    public static bool IsHomeroom(CleverSection section, IReadOnlyCollection<string> keywords) =>
        string.Equals(section.Subject?.Trim(), HomeroomSubject, StringComparison.OrdinalIgnoreCase)
        || new[] { section.Name, section.Period, section.Subject }.Any(field => field is not null
            && keywords.Any(k => k.Length > 0 && field.Contains(k, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// Students, the teacher and co-teachers (the other <c>teachers</c>) of a section; without a <c>teacher</c>, the
    /// first of <c>teachers</c> is the teacher. A user listed twice is enrolled once, in the first role.
    /// </summary>
    public static IEnumerable<SourceEnrollment> Enrollments(CleverSection section, SourceLocation at)
    {
        var teachers = (section.Teachers ?? []).Select(Clean).OfType<string>().ToList();
        var teacher = Clean(section.Teacher) ?? teachers.FirstOrDefault();
        var members = new List<(string User, string Role)>();
        if (teacher is not null) members.Add((teacher, EnrollmentRoles.Teacher));
        members.AddRange(teachers.Select(t => (t, EnrollmentRoles.CoTeacher)));
        members.AddRange((section.Students ?? []).Select(Clean).OfType<string>().Select(s => (s, EnrollmentRoles.Student)));
        return members.DistinctBy(m => m.User, StringComparer.Ordinal)
            .Select(m => new SourceEnrollment($"{section.Id}:{m.User}", section.Id!, m.User, m.Role, at));
    }

    public static SourceSession Session(CleverTerm term, SourceLocation at) =>
        new(term.Id!, Clean(term.Name) ?? term.Id!, "term", OneRosterVocabulary.Date(term.StartDate), OneRosterVocabulary.Date(term.EndDate), null, at);

    public static SourceCourse Course(CleverCourse course, SourceLocation at) =>
        new(course.Id!, Clean(course.Name) ?? Clean(course.Number) ?? course.Id!, Clean(course.Number), null, at);

    /// <summary>Clever puts a contact's full name in <c>name.last</c>; it is split at the last space when <c>first</c> is empty.</summary>
    private static (string? Given, string? Family) Names(CleverName? name, bool contactOnly)
    {
        var (first, last) = (Clean(name?.First), Clean(name?.Last));
        if (!contactOnly || first is not null || last is null || last.LastIndexOf(' ') is not (> 0 and var space))
        {
            return (first, last);
        }

        return (last[..space].Trim(), last[(space + 1)..]);
    }

    private static int? Year(string? value) =>
        int.TryParse(value?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is > 1900 and < 3000 ? year : null;

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
