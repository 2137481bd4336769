using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RosterSync.Api.Auth;
using RosterSync.Api.History;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Classes;

public static class ClassEndpoints
{
    private static readonly RecordOf Class = new(Entities.Class);
    private static readonly RecordOf ClassOfEnrollments = new(Entities.Class, "classId");

    /// <summary>R19: what an admin may change by hand on a synced class (co-teachers aside); the source decides the rest.</summary>
    private static readonly string[] SyncedClassEditable = ["name", "isHomeroom"];

    public static RouteGroupBuilder MapClasses(this IEndpointRouteBuilder app)
    {
        var classes = app.MapGroup("/api/v1/districts/{districtId:guid}/classes").WithTags("Classes");
        classes.MapGet("/", ListClasses).RequireScope(Scopes.RosterRead).WithName("ListClasses");
        classes.MapGet("/{id:guid}", GetClass).RequireScope(Scopes.RosterRead, Class).WithName("GetClass").WithETag();
        classes.MapPost("/", CreateClass).RequireScope(Scopes.RosterWrite).WithIdempotency().WithName("CreateClass");
        classes.MapPatch("/{id:guid}", PatchClass).RequireScope(Scopes.RosterWrite, Class).WithName("PatchClass").WithETag()
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.SyncedClassField).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Edit a class; a synced class takes only name, isHomeroom and co-teachers (R19)");
        classes.MapGet("/{classId:guid}/enrollments", ListEnrollments).RequireScope(Scopes.RosterRead, ClassOfEnrollments).WithName("ListEnrollments");
        classes.MapPost("/{classId:guid}/enrollments", Enroll).RequireScope(Scopes.RosterWrite, ClassOfEnrollments).WithIdempotency().WithName("CreateEnrollment")
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.SyncedClassStudent, ProblemTypes.AlreadyExists)
            .WithSummary("Enroll a person by hand; a synced class refuses a student (R19)");
        classes.MapDelete("/{classId:guid}/enrollments/{enrollmentId:guid}", EndEnrollment).RequireScope(Scopes.RosterWrite, ClassOfEnrollments)
            .WithName("EndEnrollment").ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.SyncedLink)
            .WithSummary("End an enrollment made by hand (the row stays, ended); a synced one follows its source (R19)");
        classes.MapGet("/{id:guid}/history", (Guid districtId, Guid id, [AsParameters] HistoryQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct) =>
                RecordHistory.ListAsync(db, districtId, id, query, cursor, ct))
            .RequireScope(Scopes.RosterRead, Class).WithName("GetClassHistory")
            .WithSummary("Every change to this class by runs and through the Api, newest first, with the deciding rule");
        return classes;
    }

    private static Task<Versioned<Class>?> FindAsync(RosterDbContext db, Guid districtId, Guid id, CancellationToken ct) =>
        db.Classes.Where(c => c.DistrictId == districtId && c.Id == id).SingleVersionedAsync(ct);

    private static async Task<Results<Ok<Page<ClassDto>>, ValidationProblem>> ListClasses(
        Guid districtId, [AsParameters] ClassQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var rows = await db.Classes.AsNoTracking()
            .Where(c => c.DistrictId == districtId && (after == null || c.Id > after)
                && (query.Status == null || c.Status == query.Status)
                && (query.SchoolId == null || c.SchoolId == query.SchoolId)
                && (query.Homeroom == null || c.IsHomeroom == query.Homeroom))
            .OrderBy(c => c.Id).TakePage(query).Select(ClassDto.Project).ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), c => cursor.Of(c.Id)));
    }

    private static async Task<Results<Ok<ClassDto>, ProblemHttpResult>> GetClass(
        Guid districtId, Guid id, RosterDbContext db, HttpResponse response, CancellationToken ct)
    {
        if (await FindAsync(db, districtId, id, ct) is not { } row) return Problems.NotFound();
        ETags.Set(response, row.Version);
        return TypedResults.Ok(ClassDto.From(row.Record));
    }

    private static async Task<Results<Created<ClassDto>, ValidationProblem>> CreateClass(
        Guid districtId, CreateClass request, ClaimsPrincipal user, RosterDbContext db, CancellationToken ct)
    {
        if (request.SchoolId is { } schoolId && !await db.Schools.AnyAsync(s => s.DistrictId == districtId && s.Id == schoolId, ct))
            return Problems.Invalid("schoolId", "No such school in this district.");
        var now = DateTimeOffset.UtcNow;
        var created = new Class
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, SchoolId = request.SchoolId, Name = request.Name.Trim(),
            Grade = request.Grade?.Trim(), Subject = request.Subject?.Trim(), IsHomeroom = request.IsHomeroom,
            Status = RecordStatus.Active, Origin = Origins.Manual, CreatedAt = now, UpdatedAt = now,
        };
        db.Classes.Add(created);
        RecordHistory.Record(db, user, districtId, Entities.Class, created.Id, ChangeActions.Created, [], now);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/districts/{districtId}/classes/{created.Id}", ClassDto.From(created));
    }

    private static async Task<Results<Ok<ClassDto>, ValidationProblem, ProblemHttpResult>> PatchClass(
        Guid districtId, Guid id, ClassPatch patch, ClaimsPrincipal user, HttpContext http, RosterDbContext db, CancellationToken ct)
    {
        var coTeacherIds = patch.CoTeacherIds?.Distinct().ToList();
        if (coTeacherIds is { Count: > 0 })
        {
            var staff = await db.People.Where(p => p.DistrictId == districtId && coTeacherIds.Contains(p.Id)).Select(p => p.Roles).ToListAsync(ct);
            if (staff.Count != coTeacherIds.Count || !staff.All(roles => roles.Any(Roles.IsStaffLike)))
                return Problems.Invalid("coTeacherIds", "Every co-teacher must be a teacher, staff member or administrator of this district.");
        }
        if (await FindAsync(db, districtId, id, ct) is not { } row) return Problems.NotFound();
        if (!ETags.IfMatchAllows(http.Request, row.Version)) return Problems.PreconditionFailed();
        var current = row.Record;

        var edits = new List<FieldEdit>();
        void Edit(string field, string? before, string? after)
        {
            if (after is not null && after != (before ?? "")) edits.Add(new FieldEdit(field, before, after == "" ? null : after));
        }
        Edit("name", current.Name, patch.Name?.Trim());
        Edit("isHomeroom", current.IsHomeroom ? "true" : "false", patch.IsHomeroom is { } homeroom ? (homeroom ? "true" : "false") : null);
        Edit("grade", current.Grade, patch.Grade?.Trim());
        Edit("subject", current.Subject, patch.Subject?.Trim());
        if (current.Origin == Origins.Synced && edits.Where(e => !SyncedClassEditable.Contains(e.Field)).Select(e => e.Field).ToList() is { Count: > 0 } refused)
            return TypedResults.Problem(type: ProblemTypes.SyncedClassField, statusCode: StatusCodes.Status409Conflict,
                title: "A synced class takes manual edits of name, isHomeroom and co-teachers only",
                detail: $"R19: {string.Join(", ", refused)} of a synced class come from the source.",
                extensions: new Dictionary<string, object?> { ["rule"] = "R19", ["fields"] = refused.ToDictionary(f => f, _ => "R19") });

        var now = DateTimeOffset.UtcNow;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (edits.Count > 0)
        {
            string? After(string field) => edits.Single(e => e.Field == field).After;
            bool Has(string field) => edits.Any(e => e.Field == field);
            var updated = await db.Classes.Where(c => c.Id == id && c.DistrictId == districtId).StillAt(http.Request, row.Version)
                .ExecuteUpdateAsync(s =>
                {
                    if (Has("name")) s.SetProperty(c => c.Name, After("name")!);
                    if (Has("isHomeroom")) s.SetProperty(c => c.IsHomeroom, After("isHomeroom") == "true");
                    if (Has("grade")) s.SetProperty(c => c.Grade, After("grade"));
                    if (Has("subject")) s.SetProperty(c => c.Subject, After("subject"));
                    s.SetProperty(c => c.UpdatedAt, now);
                }, ct);
            if (updated == 0) return Problems.PreconditionFailed();
        }
        if (coTeacherIds is not null) edits.AddRange(await SetCoTeachersAsync(db, districtId, id, coTeacherIds, now, ct));
        if (edits.Count > 0)
        {
            RecordHistory.Record(db, user, districtId, Entities.Class, id, ChangeActions.Updated,
                edits.Select(e => e with { Rule = current.Origin == Origins.Synced ? "R19" : null }), now);
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);

        var saved = (await FindAsync(db, districtId, id, ct))!;
        ETags.Set(http.Response, saved.Version);
        return TypedResults.Ok(ClassDto.From(saved.Record));
    }

    /// <summary>Makes the class's manual co-teachers exactly <paramref name="personIds"/>; synced co-teachers are not touched.</summary>
    private static async Task<IEnumerable<FieldEdit>> SetCoTeachersAsync(
        RosterDbContext db, Guid districtId, Guid classId, List<Guid> personIds, DateTimeOffset now, CancellationToken ct)
    {
        var existing = await db.Enrollments.Where(e => e.DistrictId == districtId && e.ClassId == classId && e.Role == EnrollmentRoles.CoTeacher).ToListAsync(ct);
        var edits = new List<FieldEdit>();
        foreach (var ended in existing.Where(e => e.Origin == Origins.Manual && e.EndedAt == null && !personIds.Contains(e.PersonId)))
        {
            ended.EndedAt = now;
            edits.Add(new FieldEdit("coTeacher", ended.PersonId.ToString(), null));
        }
        foreach (var personId in personIds)
        {
            var enrollment = existing.SingleOrDefault(e => e.PersonId == personId);
            if (enrollment is { EndedAt: null }) continue;
            if (enrollment is null)
            {
                enrollment = new Enrollment { Id = Guid.CreateVersion7(), DistrictId = districtId, ClassId = classId, PersonId = personId, Role = EnrollmentRoles.CoTeacher, CreatedAt = now };
                db.Enrollments.Add(enrollment);
            }
            enrollment.Origin = Origins.Manual;
            enrollment.EndedAt = null;
            enrollment.EndedByRunId = null;
            edits.Add(new FieldEdit("coTeacher", null, personId.ToString()));
        }
        return edits;
    }

    private static async Task<Results<Ok<Page<EnrollmentDto>>, ValidationProblem>> ListEnrollments(
        Guid districtId, Guid classId, [AsParameters] EnrollmentQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var rows = await db.Enrollments.AsNoTracking()
            .Where(e => e.ClassId == classId && e.DistrictId == districtId && (after == null || e.Id > after)
                && (query.IncludeEnded == true || e.EndedAt == null))
            .OrderBy(e => e.Id).TakePage(query).Select(EnrollmentDto.Project).ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), e => cursor.Of(e.Id)));
    }

    private static async Task<Results<Created<EnrollmentDto>, ValidationProblem, ProblemHttpResult>> Enroll(
        Guid districtId, Guid classId, CreateEnrollment request, ClaimsPrincipal user, RosterDbContext db, CancellationToken ct)
    {
        if (request.Role is null || !EnrollmentRoles.All.Contains(request.Role))
            return Problems.Invalid("role", $"Must be one of: {string.Join(", ", EnrollmentRoles.All)}.");
        if (!await db.People.AnyAsync(p => p.DistrictId == districtId && p.Id == request.PersonId, ct))
            return Problems.Invalid("personId", "No such person in this district.");
        var origin = await db.Classes.Where(c => c.Id == classId).Select(c => c.Origin).SingleAsync(ct);
        if (origin == Origins.Synced && request.Role == EnrollmentRoles.Student)
            return Problems.Conflict(ProblemTypes.SyncedClassStudent, "Students are not enrolled by hand into a synced class",
                "R19: the source decides a synced class's students. Enroll teachers, co-teachers or aides by hand, or enroll the student in the source.", "R19");

        var now = DateTimeOffset.UtcNow;
        var enrollment = await db.Enrollments.SingleOrDefaultAsync(e => e.DistrictId == districtId && e.ClassId == classId && e.PersonId == request.PersonId && e.Role == request.Role, ct);
        if (enrollment is { EndedAt: null })
            return Problems.Conflict(ProblemTypes.AlreadyExists, "This person is already enrolled in this class with this role");
        if (enrollment is null)
        {
            enrollment = new Enrollment { Id = Guid.CreateVersion7(), DistrictId = districtId, ClassId = classId, PersonId = request.PersonId, Role = request.Role, CreatedAt = now };
            db.Enrollments.Add(enrollment);
        }
        enrollment.Origin = Origins.Manual;
        enrollment.EndedAt = null;
        enrollment.EndedByRunId = null;
        RecordHistory.Record(db, user, districtId, Entities.Enrollment, enrollment.Id, ChangeActions.Created,
            [new FieldEdit("personId", null, request.PersonId.ToString()), new FieldEdit("role", null, request.Role)], now);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return Problems.Conflict(ProblemTypes.AlreadyExists, "This person is already enrolled in this class with this role");
        }
        return TypedResults.Created($"/api/v1/districts/{districtId}/enrollments/{enrollment.Id}", EnrollmentDto.From(enrollment));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> EndEnrollment(
        Guid districtId, Guid classId, Guid enrollmentId, ClaimsPrincipal user, RosterDbContext db, CancellationToken ct) =>
        await RecordHistory.EndManualLinkAsync(db, user, districtId, Entities.Enrollment,
            await db.Enrollments.SingleOrDefaultAsync(e => e.Id == enrollmentId && e.ClassId == classId && e.DistrictId == districtId, ct),
            () => Problems.Conflict(ProblemTypes.SyncedLink, "A synced enrollment follows its source",
                "R19: the source decides a synced class's enrollments; end it in the source and the next sync ends it here (R14).", "R19"), ct);
}
