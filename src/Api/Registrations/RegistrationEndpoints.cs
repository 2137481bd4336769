using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RosterSync.Api.Auth;
using RosterSync.Api.History;
using RosterSync.Api.Http;
using RosterSync.Api.People;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Domain.Reconciliation;

namespace RosterSync.Api.Registrations;

public sealed record CreateRegistration(Guid SchoolId, Guid? PersonId, string? Status, JsonObject? Answers);

public sealed record ChangeRegistrationStatus(string? Status);

public sealed record RegistrationQuery(
    [property: OneOf(nameof(Vocabularies.RegistrationStatus))] string? Status,
    Guid? SchoolId, string? Grade,
    [property: OneOf(nameof(Vocabularies.ExportStatus))] string? ExportStatus,
    [property: PageLimit] int? Limit, string? Cursor) : IPageQuery;

/// <summary>Where a registration stands with the SIS: its last export status, the SIS id, and the target's error when it failed.</summary>
public sealed record RegistrationExportState([property: Closed(nameof(Vocabularies.ExportStatus))] string? Status, string? SisId, ExportError? Error, Guid? RunId, DateTimeOffset? ExportedAt);

public sealed record RegistrationDto(
    Guid Id, [property: Closed(nameof(Vocabularies.RegistrationStatus))] string Status, Guid SchoolId, Guid? PersonId, string? Grade, JsonObject Answers, RegistrationExportState Export,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static RegistrationDto From(Registration r) => new(
        r.Id, r.Status, r.SchoolId, r.PersonId, r.Grade, JsonNode.Parse(r.Answers)!.AsObject(),
        new RegistrationExportState(r.ExportStatus, r.SisId, r.ExportError is null ? null : JsonSerializer.Deserialize<ExportError>(r.ExportError, JsonSerializerOptions.Web),
            r.LastExportRunId, r.ExportedAt),
        r.CreatedAt, r.UpdatedAt);
}

/// <summary>The field catalogue registrations are validated against: the Enroll fields grouped by section.</summary>
public sealed record RegistrationFieldsDto(IReadOnlyList<CatalogueField> Fields, IReadOnlyList<string> SystemFields);

/// <summary>
/// Student registrations (SPEC §6), written by a registration front end: answers validated against the district's field
/// catalogue, a status whose changes are recorded in the registration's history, and, on approval, a person.
/// </summary>
public static class RegistrationEndpoints
{
    private static readonly RecordOf Registration = new(RecordKinds.Registration);

    public static RouteGroupBuilder MapRegistrations(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/districts/{districtId:guid}/registration-fields",
                () => TypedResults.Ok(new RegistrationFieldsDto(FieldCatalogue.Default, FieldCatalogue.SystemFields)))
            .RequireScope(Scopes.RosterRead).WithTags("Registrations").WithName("GetRegistrationFields")
            .WithSummary("The registration form's fields by section: what answers may hold and what mappings may read");

        var registrations = app.MapGroup("/api/v1/districts/{districtId:guid}/registrations").WithTags("Registrations");
        registrations.MapPost("/", Create).RequireScope(Scopes.RegistrationsWrite).WithIdempotency().WithName("CreateRegistration")
            .WithSummary("A registration in draft (answers may be partial) or submitted (required answers present)");
        registrations.MapGet("/", List).RequireScope(Scopes.RosterRead).WithName("ListRegistrations");
        registrations.MapGet("/{id:guid}", async Task<Results<Ok<RegistrationDto>, ProblemHttpResult>> (Guid districtId, Guid id, RosterDbContext db, CancellationToken ct) =>
                await db.Registrations.AsNoTracking().SingleOrDefaultAsync(r => r.DistrictId == districtId && r.Id == id, ct) is { } r
                    ? TypedResults.Ok(RegistrationDto.From(r)) : Problems.NotFound())
            .RequireScope(Scopes.RosterRead, Registration).WithName("GetRegistration");
        registrations.MapPut("/{id:guid}/answers", PutAnswers).RequireScope(Scopes.RegistrationsWrite, Registration).WithName("PutRegistrationAnswers")
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.RegistrationState).WithSummary("Replace the answers of a registration not yet approved");
        registrations.MapPost("/{id:guid}/status", ChangeStatus).RequireScope(Scopes.RegistrationsWrite, Registration).WithName("ChangeRegistrationStatus")
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.RegistrationState)
            .WithSummary("draft → submitted → approved | rejected (or back to draft); rejected → submitted. Approval links or creates the person");
        registrations.MapGet("/{id:guid}/history", (Guid districtId, Guid id, [AsParameters] HistoryQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct) =>
                RecordHistory.ListAsync(db, districtId, id, query, cursor, ct))
            .RequireScope(Scopes.RosterRead, Registration).WithName("ListRegistrationHistory");
        return registrations;
    }

    private static async Task<Results<Created<RegistrationDto>, ValidationProblem>> Create(
        Guid districtId, CreateRegistration request, ClaimsPrincipal user, RosterDbContext db, CancellationToken ct)
    {
        var status = request.Status ?? RegistrationStatuses.Draft;
        var errors = request.Answers is null ? new() { ["answers"] = ["Required: the form's answers by section."] }
            : FieldCatalogue.Validate(request.Answers, complete: status != RegistrationStatuses.Draft);
        if (status is not (RegistrationStatuses.Draft or RegistrationStatuses.Submitted))
            errors["status"] = ["A registration starts as draft or submitted."];
        if (!await db.Schools.AnyAsync(s => s.DistrictId == districtId && s.Id == request.SchoolId, ct)) errors["schoolId"] = ["No such school in this district."];
        if (request.PersonId is { } personId && !await db.People.AnyAsync(p => p.DistrictId == districtId && p.Id == personId, ct))
            errors["personId"] = ["No such person in this district."];
        if (errors.Count > 0) return Problems.Invalid(errors);

        var now = DateTimeOffset.UtcNow;
        var registration = new Registration
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Status = status, SchoolId = request.SchoolId, PersonId = request.PersonId,
            Answers = request.Answers!.ToJsonString(), Grade = FieldCatalogue.Text(request.Answers!, "enrollment.grade"), CreatedAt = now, UpdatedAt = now,
        };
        db.Registrations.Add(registration);
        RecordHistory.Record(db, user, districtId, RecordKinds.Registration, registration.Id, ChangeActions.Created, [new FieldEdit("status", null, status)], now);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/districts/{districtId}/registrations/{registration.Id}", RegistrationDto.From(registration));
    }

    private static async Task<Results<Ok<Page<RegistrationDto>>, ValidationProblem>> List(
        Guid districtId, [AsParameters] RegistrationQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? before)) return Cursor.Invalid();
        var rows = await db.Registrations.AsNoTracking()
            .Where(r => r.DistrictId == districtId && (before == null || r.Id < before)
                && (query.Status == null || r.Status == query.Status) && (query.SchoolId == null || r.SchoolId == query.SchoolId)
                && (query.Grade == null || r.Grade == query.Grade) && (query.ExportStatus == null || r.ExportStatus == query.ExportStatus))
            .OrderByDescending(r => r.Id)
            .TakePage(query)
            .ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows.Select(RegistrationDto.From).ToList(), query.LimitOf(), r => cursor.Of(r.Id)));
    }

    private static async Task<Results<Ok<RegistrationDto>, ValidationProblem, ProblemHttpResult>> PutAnswers(
        Guid districtId, Guid id, JsonObject answers, ClaimsPrincipal user, RosterDbContext db, CancellationToken ct)
    {
        var registration = await db.Registrations.SingleAsync(r => r.DistrictId == districtId && r.Id == id, ct);
        if (registration.Status == RegistrationStatuses.Approved)
            return Problems.Conflict(ProblemTypes.RegistrationState, "An approved registration's answers are final", "It may have been exported to the SIS.");
        if (FieldCatalogue.Validate(answers, complete: registration.Status != RegistrationStatuses.Draft) is { Count: > 0 } errors) return Problems.Invalid(errors);
        var now = DateTimeOffset.UtcNow;
        registration.Answers = answers.ToJsonString();
        registration.Grade = FieldCatalogue.Text(answers, "enrollment.grade");
        registration.UpdatedAt = now;
        // The answers themselves hold personal data: the history records that they changed, not what they were.
        RecordHistory.Record(db, user, districtId, RecordKinds.Registration, id, ChangeActions.Updated, [new FieldEdit("answers", null, null)], now);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(RegistrationDto.From(registration));
    }

    private static async Task<Results<Ok<RegistrationDto>, ValidationProblem, ProblemHttpResult>> ChangeStatus(
        Guid districtId, Guid id, ChangeRegistrationStatus request, ClaimsPrincipal user, RosterDbContext db, CancellationToken ct)
    {
        if (request.Status is not { } status || !RegistrationStatuses.All.Contains(status))
            return Problems.Invalid("status", $"Must be one of: {string.Join(", ", RegistrationStatuses.All)}.");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var registration = await db.Registrations.FromSql($"SELECT r.*, r.xmin FROM registrations r WHERE r.id = {id} AND r.district_id = {districtId} FOR UPDATE").SingleAsync(ct);
        if (registration.Status == status) return TypedResults.Ok(RegistrationDto.From(registration));
        if (!RegistrationStatuses.CanChange(registration.Status, status))
            return Problems.Conflict(ProblemTypes.RegistrationState, $"A {registration.Status} registration cannot become {status}",
                "draft → submitted → approved | rejected | draft; rejected → submitted. An approved registration stays approved.");
        var answers = JsonNode.Parse(registration.Answers)!.AsObject();
        if (status != RegistrationStatuses.Draft && FieldCatalogue.Validate(answers, complete: true) is { Count: > 0 } errors) return Problems.Invalid(errors);

        var now = DateTimeOffset.UtcNow;
        if (status == RegistrationStatuses.Approved && registration.PersonId is null)
            registration.PersonId = await PersonForAsync(db, user, registration, answers, now, ct);
        RecordHistory.Record(db, user, districtId, RecordKinds.Registration, id, ChangeActions.Updated, [new FieldEdit("status", registration.Status, status)], now);
        registration.Status = status;
        registration.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(RegistrationDto.From(registration));
    }

    /// <summary>
    /// The person an approved registration registers: the district's person with the student's email (R1), or a new student
    /// (origin manual, a member of the registration's school) that a later sync adopts by the same email (R5). None when the
    /// district's sync settings deny manual students (R19): approval then creates no student, the registration is exported
    /// as usual, and the next inbound sync brings the student in from the SIS, its SIS id already the source id.
    /// </summary>
    private static async Task<Guid?> PersonForAsync(RosterDbContext db, ClaimsPrincipal user, Registration registration, JsonObject answers, DateTimeOffset now, CancellationToken ct)
    {
        var email = FieldCatalogue.Text(answers, "student.email");
        var normalized = EmailNormalizer.Normalize(email);
        if (await db.People.Where(p => p.DistrictId == registration.DistrictId && p.NormalizedEmail == normalized).Select(p => (Guid?)p.Id).SingleOrDefaultAsync(ct) is { } existing)
            return existing;
        if (await PeopleEndpoints.ManualStudentsDeniedAsync(db, registration.DistrictId, ct)) return null;
        var person = new Person
        {
            Id = Guid.CreateVersion7(), DistrictId = registration.DistrictId, Email = email?.Trim(), NormalizedEmail = normalized,
            GivenName = FieldCatalogue.Text(answers, "student.firstName"), FamilyName = FieldCatalogue.Text(answers, "student.lastName"),
            MiddleName = FieldCatalogue.Text(answers, "student.middleName"), Roles = [Roles.Student], Grade = registration.Grade,
            Status = RecordStatus.Active, Origin = Origins.Manual, AccountState = AccountStates.Invitee, CreatedAt = now, UpdatedAt = now,
        };
        db.People.Add(person);
        db.Memberships.Add(new Membership
        {
            Id = Guid.CreateVersion7(), DistrictId = registration.DistrictId, PersonId = person.Id, SchoolId = registration.SchoolId,
            Role = Roles.Student, Origin = Origins.Manual, CreatedAt = now,
        });
        RecordHistory.Record(db, user, registration.DistrictId, Entities.Person, person.Id, ChangeActions.Created,
            [new FieldEdit("registration", null, registration.Id.ToString())], now);
        return person.Id;
    }
}
