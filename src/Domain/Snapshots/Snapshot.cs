namespace RosterSync.Domain.Snapshots;

/// <summary>
/// Where a record came from in the source, for issues: a file and the 1-based physical line where its row
/// starts (the header is line 1, so this is also the spreadsheet row number), or an API path.
/// A value type: every record of a snapshot carries one, and a million-row file must not mean a million more objects.
/// </summary>
public readonly record struct SourceLocation(string File, int? Row = null)
{
    public static readonly SourceLocation None = new("");
}

/// <summary>
/// Every source (Clever, ClassLink, OneRoster CSV, simple CSV) is reduced to this one shape before
/// reconciliation (SPEC §3), so the rules are written once. Source ids are the source's own ids;
/// <see cref="LinkKind"/> says which source link they fill ("oneroster", "clever", "classlink").
/// </summary>
public sealed class Snapshot
{
    public required string LinkKind { get; init; }
    public List<SourceSchool> Schools { get; } = [];
    public List<SourcePerson> People { get; } = [];
    public List<SourceClass> Classes { get; } = [];
    /// <summary>Held compactly (<see cref="SourceEnrollmentList"/>): a large district sends millions.</summary>
    public SourceEnrollmentList Enrollments { get; } = [];
    public List<SourceGuardianLink> GuardianLinks { get; } = [];
    public List<SourceSession> Sessions { get; } = [];
    public List<SourceCourse> Courses { get; } = [];
    /// <summary>Per record kind: bulk (replaces that kind), delta (changes only) or absent (not sent). Missing key = absent.</summary>
    public Dictionary<string, FeedMode> Modes { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Delta deletions: (record kind, source id) of rows with status tobedeleted in a delta file.</summary>
    public List<SourceDeletion> Deletions { get; } = [];
    /// <summary>Problems found while reading: malformed rows, unknown values. Reading problems never abort the read.</summary>
    public List<SourceIssue> Issues { get; } = [];
    /// <summary>
    /// Rows present in the source but not turned into records (e.g. an unknown role). Their records are not
    /// absent, so they must not be abandoned (SPEC §4). Unlike <see cref="Issues"/>, which also carry source
    /// ids of rows that were read, or that a bulk file marked tobedeleted (those are absent).
    /// </summary>
    public List<SourceSkip> Skipped { get; } = [];
    /// <summary>
    /// The roles a bulk People file speaks for; null = every role. A lone students.csv upload is bulk for
    /// students only, so it must not abandon staff.
    /// </summary>
    public HashSet<string>? BulkPeopleRoles { get; set; }
    /// <summary>
    /// True for a guardian file (R27): its guardians come only with their students, so a guardian none of whose
    /// students exists is skipped rather than created without a link.
    /// </summary>
    public bool GuardiansNeedStudents { get; set; }

    public FeedMode ModeOf(string kind) => Modes.GetValueOrDefault(kind, FeedMode.Absent);
}

public enum FeedMode { Absent, Bulk, Delta }

/// <summary>Record kinds as named by the snapshot's <see cref="Snapshot.Modes"/>.</summary>
public static class SnapshotKinds
{
    public const string Schools = "orgs";
    public const string People = "users";
    public const string Classes = "classes";
    public const string Enrollments = "enrollments";
    public const string Sessions = "academicSessions";
    public const string Courses = "courses";
    public const string GuardianLinks = "guardians";
}

public sealed record SourceSchool(string SourceId, string Name, string? Identifier, SourceLocation At);

public sealed record SourcePerson(
    string SourceId,
    string? Email,
    string? GivenName,
    string? FamilyName,
    string? MiddleName,
    IReadOnlyList<string> Roles,
    string? Grade,
    int? GraduationYear,
    string? Sms,
    string? Phone,
    string? SisId,
    IReadOnlyList<string> SchoolSourceIds,
    SourceLocation At)
{
    /// <summary>The school a student belongs to (R17: primary school only). Defaults to the first listed.</summary>
    public string? PrimarySchoolSourceId { get; init; } = SchoolSourceIds.Count > 0 ? SchoolSourceIds[0] : null;
}

public sealed record SourceClass(
    string SourceId,
    string Name,
    string? SchoolSourceId,
    string? Grade,
    string? Subject,
    string? CourseSourceId,
    IReadOnlyList<string> TermSourceIds,
    bool IsHomeroom,
    SourceLocation At);

public sealed record SourceEnrollment(string SourceId, string ClassSourceId, string PersonSourceId, string Role, SourceLocation At);

public sealed record SourceGuardianLink(string GuardianSourceId, string StudentSourceId, string? Relationship, SourceLocation At)
{
    /// <summary>
    /// Set when a guardian file names the student by email instead of by id; <see cref="StudentSourceId"/>
    /// then holds that same email, and the student is matched by email (R1), not by source link.
    /// </summary>
    public string? StudentEmail { get; init; }
}

public sealed record SourceSession(
    string SourceId, string Title, string? Type, DateOnly? StartDate, DateOnly? EndDate, string? SchoolYear, SourceLocation At);

public sealed record SourceCourse(string SourceId, string Title, string? CourseCode, string? SchoolSourceId, SourceLocation At);

public sealed record SourceDeletion(string Kind, string SourceId, SourceLocation At);

/// <summary>A row of record kind <paramref name="Kind"/> that was present but skipped with an issue.</summary>
public sealed record SourceSkip(string Kind, string SourceId, SourceLocation At)
{
    /// <summary>For a skipped enrollment row: the class and person it names, so that enrollment is not read as absent.</summary>
    public (string ClassSourceId, string PersonSourceId)? Enrollment { get; init; }
}

public sealed record SourceIssue(string Severity, string? Rule, string? Entity, string? SourceId, SourceLocation At, string Message);

/// <summary>The source could not be read completely (R22): the run fails and nothing is applied.</summary>
public sealed class SourceReadException(string message, Exception? inner = null) : Exception(message, inner)
{
    public string? File { get; init; }
    public int? Row { get; init; }
    /// <summary>The source's HTTP status when it answered with an error.</summary>
    public System.Net.HttpStatusCode? Status { get; init; }
}
