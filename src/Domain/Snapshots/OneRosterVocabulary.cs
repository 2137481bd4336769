using RosterSync.Domain.Model;

namespace RosterSync.Domain.Snapshots;

/// <summary>
/// The OneRoster value mappings shared by the CSV zip (<see cref="OneRosterZipReader"/>) and the REST reader
/// (ClassLink), so one OneRoster user, org or enrollment means the same thing whichever way it arrives.
/// </summary>
public static class OneRosterVocabulary
{
    /// <summary>Every OneRoster 1.0–1.2 user role onto ours; null for anything else.</summary>
    public static string? UserRole(string? role) => OneRosterZipReader.MapUserRole(role);

    /// <summary>
    /// Enrollment role onto ours; null when it is not synced. A teacher whose primary flag is false is a co-teacher;
    /// a blank flag (optional in 1.1) reads as the class's teacher.
    /// </summary>
    public static string? EnrollmentRole(string? role, string? primary) => role?.Trim().ToLowerInvariant() switch
    {
        "student" => EnrollmentRoles.Student,
        "teacher" => string.Equals(primary?.Trim(), "false", StringComparison.OrdinalIgnoreCase) ? EnrollmentRoles.CoTeacher : EnrollmentRoles.Teacher,
        "aide" or "proctor" => EnrollmentRoles.Aide,
        _ => null,
    };

    /// <summary>Org types that are not schools: a membership is always in a school.</summary>
    public static bool IsDistrictLike(string? orgType) =>
        orgType?.ToLowerInvariant() is "district" or "local" or "state" or "national";

    /// <summary>ISO dates (a dateTime's date part too) and US M/D/YYYY; null when neither.</summary>
    public static DateOnly? Date(string? value) => string.IsNullOrWhiteSpace(value) ? null : OneRosterZipReader.ParseDate(value.Trim());

    /// <summary>CEDS entry grade levels, as OneRoster asks for them, and the plain numbers 0–13 and K many exports write.</summary>
    public static bool IsGrade(string grade) =>
        Grades.Contains(grade.Trim()) || grade.Trim() is "K" or "k"
        || (int.TryParse(grade, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n <= 13);

    private static readonly HashSet<string> Grades = new(StringComparer.OrdinalIgnoreCase)
    {
        "IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "PS", "UG", "Other",
    };

    public static bool IsHomeroom(string? classType) => string.Equals(classType?.Trim(), "homeroom", StringComparison.OrdinalIgnoreCase);
}
