namespace RosterSync.Domain.Model;

// String constants, not enums: they are stored as text and appear verbatim in the Api (SPEC §8).
public static class Roles
{
    public const string Student = "student";
    public const string Teacher = "teacher";
    public const string Staff = "staff";
    public const string Administrator = "administrator";
    public const string Guardian = "guardian";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Student, Teacher, Staff, Administrator, Guardian };
    public static bool IsStaffLike(string role) => role is Teacher or Staff or Administrator;
}

public static class EnrollmentRoles
{
    public const string Student = "student";
    public const string Teacher = "teacher";
    public const string CoTeacher = "co-teacher";
    public const string Aide = "aide";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Student, Teacher, CoTeacher, Aide };
}

public static class RecordStatus
{
    public const string Active = "active";
    public const string Archived = "archived";
}

public static class Origins
{
    public const string Synced = "synced";
    public const string Manual = "manual";
}

public static class AccountStates
{
    public const string Invitee = "invitee";
    public const string Active = "active";
}

public static class RunStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string AwaitingApproval = "awaiting-approval";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    /// <summary>States that hold the district's single run slot (R25).</summary>
    public static readonly string[] Open = [Queued, Running, AwaitingApproval];
}

public static class RunTriggers
{
    public const string Api = "api";
    public const string Schedule = "schedule";
    public const string Upload = "upload";
    public const string Revert = "revert";
}

public static class RunPhases
{
    public const string Reading = "reading";
    public const string Planning = "planning";
    public const string Applying = "applying";
    /// <summary>An export run sending registrations to the SIS (SPEC §6).</summary>
    public const string Exporting = "exporting";
}

public static class SourceKinds
{
    public const string Upload = "upload";
    public const string Clever = "clever";
    public const string ClassLink = "classlink";
    public const string OneRosterSftp = "oneroster-sftp";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Upload, Clever, ClassLink, OneRosterSftp };
}

public static class Severities
{
    public const string Error = "error";
    public const string Warning = "warning";
}

public static class ChangeActions
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Unchanged = "unchanged";
    public const string Archived = "archived";
    public const string Removed = "removed";
    public const string Restored = "restored";
    public const string Skipped = "skipped";
}

public static class Entities
{
    public const string Person = "person";
    public const string School = "school";
    public const string Class = "class";
    public const string Enrollment = "enrollment";
    public const string Membership = "membership";
    public const string GuardianLink = "guardianLink";
    public const string AcademicSession = "academicSession";
    public const string Course = "course";
}
