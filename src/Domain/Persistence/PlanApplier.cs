using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;

namespace RosterSync.Domain.Persistence;

/// <summary>
/// The only code that turns a <see cref="Plan"/> into SQL (R23): every record write, the run's changes
/// and issues go through binary COPY on the caller's transaction. Records the plan creates are copied
/// straight into their table; records that exist are copied into a staging table and upserted by id in
/// one statement. Large lists are read column by column (<see cref="LinkList"/>, <see cref="ChangeList"/>).
/// </summary>
public static class PlanApplier
{
    private static readonly HashSet<string> Immutable = ["district_id", "created_at"];

    /// <summary>Rows <see cref="ApplyAsync"/> and <see cref="RecordAsync"/> write for a plan: the applying phase's total.</summary>
    public static long RowsToWrite(Plan plan) =>
        (long)plan.People.Count + plan.Schools.Count + plan.Classes.Count + plan.Sessions.Count + plan.Courses.Count
        + plan.Memberships.Count + plan.Enrollments.Count + plan.GuardianLinks.Count + plan.Changes.Count + plan.Issues.Count;

    /// <summary>
    /// Writes the plan's records. A district's first links of a kind are built as standalone tables (issue 12,
    /// <see cref="LinkPartitionBuild"/>): the caller swaps them in with <see cref="PendingPartitions.SwapInAsync"/> right before it commits.
    /// </summary>
    public static async Task<PendingPartitions> ApplyAsync(
        NpgsqlConnection connection, Guid districtId, Guid runId, Plan plan, DateTimeOffset now, ApplyProgress? progress, CancellationToken ct)
    {
        await LinkReferences.CheckAsync(connection, districtId, plan, ct);
        CopyColumn<T>[] Linked<T>(Func<T, SourceLinks> links) =>
        [
            CopyColumn<T>.Text("sis_id", r => links(r).Sis), CopyColumn<T>.Text("one_roster_id", r => links(r).OneRoster),
            CopyColumn<T>.Text("clever_id", r => links(r).Clever), CopyColumn<T>.Text("class_link_id", r => links(r).ClassLink),
        ];
        CopyColumn<T>[] Stamped<T>() =>
            [CopyColumn<T>.Uuid("district_id", _ => districtId), CopyColumn<T>.Time("created_at", _ => now), CopyColumn<T>.Time("updated_at", _ => now)];

        await WriteAsync(connection, "schools", [
            CopyColumn<SchoolRecord>.Uuid("id", s => s.Id), CopyColumn<SchoolRecord>.Text("name", s => s.Name),
            CopyColumn<SchoolRecord>.Text("identifier", s => s.Identifier), CopyColumn<SchoolRecord>.Text("status", s => s.Status),
            CopyColumn<SchoolRecord>.Text("origin", s => s.Origin), .. Linked<SchoolRecord>(s => s.Links), .. Stamped<SchoolRecord>(),
        ], plan.Schools, progress, ct);

        await WriteAsync(connection, "academic_sessions", [
            CopyColumn<SessionRecord>.Uuid("id", s => s.Id), CopyColumn<SessionRecord>.Uuid("district_id", _ => districtId),
            CopyColumn<SessionRecord>.Text("title", s => s.Title), CopyColumn<SessionRecord>.Text("type", s => s.Type),
            CopyColumn<SessionRecord>.Date("start_date", s => s.StartDate), CopyColumn<SessionRecord>.Date("end_date", s => s.EndDate),
            CopyColumn<SessionRecord>.Text("school_year", s => s.SchoolYear), CopyColumn<SessionRecord>.Text("status", s => s.Status),
            .. Linked<SessionRecord>(s => s.Links),
        ], plan.Sessions, progress, ct);

        await WriteAsync(connection, "courses", [
            CopyColumn<CourseRecord>.Uuid("id", c => c.Id), CopyColumn<CourseRecord>.Uuid("district_id", _ => districtId),
            CopyColumn<CourseRecord>.Text("title", c => c.Title), CopyColumn<CourseRecord>.Text("course_code", c => c.CourseCode),
            CopyColumn<CourseRecord>.Uuid("school_id", c => c.SchoolId), CopyColumn<CourseRecord>.Text("status", c => c.Status),
            .. Linked<CourseRecord>(c => c.Links),
        ], plan.Courses, progress, ct);

        await WriteAsync(connection, "people", [
            CopyColumn<PersonRecord>.Uuid("id", p => p.Id), .. PersonFields.All.Select(PersonColumn),
            CopyColumn<PersonRecord>.Text("normalized_email", p => p.NormalizedEmail), CopyColumn<PersonRecord>.TextArray("roles", p => p.Roles),
            CopyColumn<PersonRecord>.Text("status", p => p.Status), CopyColumn<PersonRecord>.Long("sync_fingerprint", p => plan.FingerprintOf(p.Id)),
            CopyColumn<PersonRecord>.Text("origin", p => p.Origin), CopyColumn<PersonRecord>.Text("account_state", p => p.AccountState),
            .. Linked<PersonRecord>(p => p.Links), .. Stamped<PersonRecord>(),
        ], plan.People, progress, ct, movable: ["normalized_email", "one_roster_id", "clever_id", "class_link_id"]);

        await WriteAsync(connection, "classes", [
            CopyColumn<ClassRecord>.Uuid("id", c => c.Id), CopyColumn<ClassRecord>.Uuid("school_id", c => c.SchoolId),
            CopyColumn<ClassRecord>.Text("name", c => c.Name), CopyColumn<ClassRecord>.Text("grade", c => c.Grade),
            CopyColumn<ClassRecord>.Text("subject", c => c.Subject), CopyColumn<ClassRecord>.Uuid("term_id", c => c.TermId),
            CopyColumn<ClassRecord>.Uuid("course_id", c => c.CourseId), CopyColumn<ClassRecord>.Bool("is_homeroom", c => c.IsHomeroom),
            CopyColumn<ClassRecord>.Text("status", c => c.Status), CopyColumn<ClassRecord>.Text("origin", c => c.Origin),
            .. Linked<ClassRecord>(c => c.Links), .. Stamped<ClassRecord>(),
        ], plan.Classes, progress, ct);

        var pending = new PendingPartitions();
        await WriteLinksAsync(connection, "memberships", "person_id", "school_id", "role", plan.Memberships, districtId, runId, now, pending, progress, ct);
        await WriteLinksAsync(connection, "enrollments", "person_id", "class_id", "role", plan.Enrollments, districtId, runId, now, pending, progress, ct);
        await WriteLinksAsync(connection, "guardian_links", "guardian_id", "student_id", "relationship", plan.GuardianLinks, districtId, runId, now, pending, progress, ct);
        return pending;
    }

    private static CopyColumn<PersonRecord> PersonColumn(PersonField field) =>
        field.GetInteger is { } number ? CopyColumn<PersonRecord>.Int(field.Column, number) : CopyColumn<PersonRecord>.Text(field.Column, field.Get);

    /// <summary>Stores the plan's changes and issues on the run; also what a dry run keeps (R20).</summary>
    public static async Task RecordAsync(
        NpgsqlConnection connection, Guid districtId, Guid runId, Plan plan, ApplyProgress? progress, CancellationToken ct)
    {
        var changes = plan.Changes;
        if (changes.Count > 0)
        {
            await BulkCopy.CopyAsync(connection, "run_changes", [
                CopyColumn<int>.Uuid("run_id", _ => runId), CopyColumn<int>.Uuid("district_id", _ => districtId),
                CopyColumn<int>.Text("entity", changes.Entity), CopyColumn<int>.Uuid("record_id", changes.RecordId),
                CopyColumn<int>.Text("source_id", changes.SourceId), CopyColumn<int>.Text("action", changes.Action),
                CopyColumn<int>.Text("field", i => changes.Detail(i).Field), CopyColumn<int>.Text("before", i => changes.Detail(i).Before),
                CopyColumn<int>.Text("after", i => changes.Detail(i).After), CopyColumn<int>.Text("rule", changes.Rule),
            ], Enumerable.Range(0, changes.Count), progress, ct);
        }
        await RecordIssuesAsync(connection, districtId, runId, plan.Issues, progress, ct);
    }

    public static async Task RecordIssuesAsync(
        NpgsqlConnection connection, Guid districtId, Guid runId, IReadOnlyCollection<PlanIssue> issues, ApplyProgress? progress, CancellationToken ct)
    {
        if (issues.Count == 0) return;
        await BulkCopy.CopyAsync(connection, "run_issues", [
            CopyColumn<PlanIssue>.Uuid("run_id", _ => runId), CopyColumn<PlanIssue>.Uuid("district_id", _ => districtId),
            CopyColumn<PlanIssue>.Text("severity", i => i.Severity), CopyColumn<PlanIssue>.Text("rule", i => i.Rule),
            CopyColumn<PlanIssue>.Text("entity", i => i.Entity), CopyColumn<PlanIssue>.Text("source_id", i => i.SourceId),
            CopyColumn<PlanIssue>.Text("file", i => i.File), CopyColumn<PlanIssue>.Int("row", i => i.Row),
            CopyColumn<PlanIssue>.Text("message", i => i.Message),
        ], issues, progress, ct);
    }

    /// <summary>
    /// Created records go straight into the table; the others are upserted by id. With <paramref name="movable"/> (people: an
    /// email or source id may pass from one person to another in one run, R2 and R3), existing rows release those values first.
    /// </summary>
    private static async Task WriteAsync<T>(
        NpgsqlConnection connection, string table, CopyColumn<T>[] columns, PlanRecords<T> records, ApplyProgress? progress, CancellationToken ct,
        IReadOnlyList<string>? movable = null)
    {
        async Task InsertCreated()
        {
            if (records.Created.Count > 0) await BulkCopy.CopyAsync(connection, table, columns, records.Created, progress, ct);
        }
        await BulkCopy.UpsertAsync(connection, table, columns, records.Existing, Immutable, progress, ct, movable, InsertCreated);
    }

    private static async Task WriteLinksAsync(
        NpgsqlConnection connection, string table, string person, string target, string role, LinkList links,
        Guid districtId, Guid runId, DateTimeOffset now, PendingPartitions pending, ApplyProgress? progress, CancellationToken ct)
    {
        if (links.Count == 0) return;
        CopyColumn<int>[] columns =
        [
            CopyColumn<int>.Uuid("id", links.Id), CopyColumn<int>.Uuid("district_id", _ => districtId),
            CopyColumn<int>.Uuid(person, links.PersonId), CopyColumn<int>.Uuid(target, links.TargetId),
            CopyColumn<int>.Text(role, links.Role), CopyColumn<int>.Text("origin", links.Origin), CopyColumn<int>.Time("created_at", _ => now),
            CopyColumn<int>.Time("ended_at", i => links.Ended(i) ? now : null),
            CopyColumn<int>.Uuid("ended_by_run_id", i => links.Ended(i) ? runId : null),
        ];
        var rows = Enumerable.Range(0, links.Count);
        if (await LinkPartitionBuild.StartAsync(connection, table, districtId, links, ct) is { } build)
        {
            await build.LoadAsync(connection, columns, rows, progress, ct);
            pending.Add(build);
            return;
        }
        if (rows.Any(links.Created)) await BulkCopy.CopyAsync(connection, table, columns, rows.Where(links.Created), progress, ct);
        // Keyed by (district_id, id): the link tables are partitioned by district.
        await BulkCopy.UpsertAsync(connection, table, columns, rows.Where(i => !links.Created(i)).ToList(), Immutable, progress, ct, key: "district_id, id");
    }
}
