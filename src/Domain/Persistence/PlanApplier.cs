using Npgsql;
using NpgsqlTypes;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;

namespace RosterSync.Domain.Persistence;

/// <summary>
/// The only code that turns a <see cref="Plan"/> into SQL (R23): every record write, the run's changes
/// and issues go through binary COPY and set-based upserts on the caller's transaction.
/// </summary>
public static class PlanApplier
{
    private static readonly HashSet<string> Immutable = ["district_id", "created_at"];
    private const NpgsqlDbType Text = NpgsqlDbType.Text;
    private const NpgsqlDbType Uuid = NpgsqlDbType.Uuid;
    private const NpgsqlDbType Time = NpgsqlDbType.TimestampTz;

    public static async Task ApplyAsync(NpgsqlConnection connection, Guid districtId, Guid runId, Plan plan, DateTimeOffset now, CancellationToken ct)
    {
        CopyColumn<T>[] Linked<T>(Func<T, SourceLinks> links) =>
        [
            new("sis_id", Text, r => links(r).Sis), new("one_roster_id", Text, r => links(r).OneRoster),
            new("clever_id", Text, r => links(r).Clever), new("class_link_id", Text, r => links(r).ClassLink),
        ];
        CopyColumn<T>[] Stamped<T>() => [new("district_id", Uuid, _ => districtId), new("created_at", Time, _ => now), new("updated_at", Time, _ => now)];

        await BulkCopy.UpsertAsync(connection, "schools", [
            new CopyColumn<SchoolRecord>("id", Uuid, s => s.Id), new("name", Text, s => s.Name), new("identifier", Text, s => s.Identifier),
            new("status", Text, s => s.Status), new("origin", Text, s => s.Origin), .. Linked<SchoolRecord>(s => s.Links), .. Stamped<SchoolRecord>(),
        ], plan.Schools, Immutable, ct);

        await BulkCopy.UpsertAsync(connection, "academic_sessions", [
            new CopyColumn<SessionRecord>("id", Uuid, s => s.Id), new("district_id", Uuid, _ => districtId), new("title", Text, s => s.Title),
            new("type", Text, s => s.Type), new("start_date", NpgsqlDbType.Date, s => s.StartDate), new("end_date", NpgsqlDbType.Date, s => s.EndDate),
            new("school_year", Text, s => s.SchoolYear), new("status", Text, s => s.Status), .. Linked<SessionRecord>(s => s.Links),
        ], plan.Sessions, Immutable, ct);

        await BulkCopy.UpsertAsync(connection, "courses", [
            new CopyColumn<CourseRecord>("id", Uuid, c => c.Id), new("district_id", Uuid, _ => districtId), new("title", Text, c => c.Title),
            new("course_code", Text, c => c.CourseCode), new("school_id", Uuid, c => c.SchoolId), new("status", Text, c => c.Status),
            .. Linked<CourseRecord>(c => c.Links),
        ], plan.Courses, Immutable, ct);

        await BulkCopy.UpsertAsync(connection, "people", [
            new CopyColumn<PersonRecord>("id", Uuid, p => p.Id), new("email", Text, p => p.Email), new("normalized_email", Text, p => p.NormalizedEmail),
            new("given_name", Text, p => p.GivenName), new("family_name", Text, p => p.FamilyName), new("middle_name", Text, p => p.MiddleName),
            new("roles", NpgsqlDbType.Array | NpgsqlDbType.Text, p => p.Roles.ToArray()), new("grade", Text, p => p.Grade),
            new("graduation_year", NpgsqlDbType.Integer, p => p.GraduationYear), new("sms", Text, p => p.Sms), new("phone", Text, p => p.Phone),
            new("language", Text, p => p.Language), new("room", Text, p => p.Room),
            new("status", Text, p => p.Status), new("origin", Text, p => p.Origin), new("account_state", Text, p => p.AccountState),
            .. Linked<PersonRecord>(p => p.Links), .. Stamped<PersonRecord>(),
        ], plan.People, Immutable, ct);

        await BulkCopy.UpsertAsync(connection, "classes", [
            new CopyColumn<ClassRecord>("id", Uuid, c => c.Id), new("school_id", Uuid, c => c.SchoolId), new("name", Text, c => c.Name),
            new("grade", Text, c => c.Grade), new("subject", Text, c => c.Subject), new("term_id", Uuid, c => c.TermId),
            new("course_id", Uuid, c => c.CourseId), new("is_homeroom", NpgsqlDbType.Boolean, c => c.IsHomeroom),
            new("status", Text, c => c.Status), new("origin", Text, c => c.Origin), .. Linked<ClassRecord>(c => c.Links), .. Stamped<ClassRecord>(),
        ], plan.Classes, Immutable, ct);

        CopyColumn<LinkRecord>[] Link(string person, string target, string role) =>
        [
            new("id", Uuid, l => l.Id), new("district_id", Uuid, _ => districtId), new(person, Uuid, l => l.PersonId), new(target, Uuid, l => l.TargetId),
            new(role, Text, l => l.Role), new("origin", Text, l => l.Origin), new("created_at", Time, _ => now),
            new("ended_at", Time, l => l.Ended ? now : null), new("ended_by_run_id", Uuid, l => l.Ended ? runId : null),
        ];
        await BulkCopy.UpsertAsync(connection, "memberships", Link("person_id", "school_id", "role"), plan.Memberships, Immutable, ct);
        await BulkCopy.UpsertAsync(connection, "enrollments", Link("person_id", "class_id", "role"), plan.Enrollments, Immutable, ct);
        await BulkCopy.UpsertAsync(connection, "guardian_links", Link("guardian_id", "student_id", "relationship"), plan.GuardianLinks, Immutable, ct);
    }

    /// <summary>Stores the plan's changes and issues on the run; also what a dry run keeps (R20).</summary>
    public static async Task RecordAsync(NpgsqlConnection connection, Guid districtId, Guid runId, Plan plan, CancellationToken ct)
    {
        await BulkCopy.CopyAsync(connection, "run_changes", [
            new CopyColumn<Change>("run_id", Uuid, _ => runId), new("district_id", Uuid, _ => districtId), new("entity", Text, c => c.Entity),
            new("record_id", Uuid, c => c.RecordId), new("source_id", Text, c => c.SourceId), new("action", Text, c => c.Action),
            new("field", Text, c => c.Field), new("before", Text, c => c.Before), new("after", Text, c => c.After), new("rule", Text, c => c.Rule),
        ], plan.Changes, ct);
        await RecordIssuesAsync(connection, districtId, runId, plan.Issues, ct);
    }

    public static Task RecordIssuesAsync(NpgsqlConnection connection, Guid districtId, Guid runId, IEnumerable<PlanIssue> issues, CancellationToken ct) =>
        BulkCopy.CopyAsync(connection, "run_issues", [
            new CopyColumn<PlanIssue>("run_id", Uuid, _ => runId), new("district_id", Uuid, _ => districtId), new("severity", Text, i => i.Severity),
            new("rule", Text, i => i.Rule), new("entity", Text, i => i.Entity), new("source_id", Text, i => i.SourceId),
            new("file", Text, i => i.File), new("row", NpgsqlDbType.Integer, i => i.Row), new("message", Text, i => i.Message),
        ], issues, ct);
}
