using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RosterSync.Api.Auth;
using RosterSync.Api.Classes;
using RosterSync.Api.History;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.Domain.Persistence;
using RosterSync.Domain.Reconciliation;

namespace RosterSync.Api.People;

public static class PeopleEndpoints
{
    private static readonly RecordOf Person = new(Entities.Person);

    public static RouteGroupBuilder MapPeople(this IEndpointRouteBuilder app)
    {
        var people = app.MapGroup("/api/v1/districts/{districtId:guid}/people").WithTags("People");
        people.MapGet("/", ListPeople).RequireScope(Scopes.RosterRead).WithName("ListPeople");
        people.MapGet("/{id:guid}", GetPerson).RequireScope(Scopes.RosterRead, Person with { HandlerFindsInDistrict = true }).WithName("GetPerson").WithETag();
        people.MapPost("/", CreatePerson).RequireScope(Scopes.RosterWrite).WithIdempotency().WithName("CreatePerson").WithETag()
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.EmailTaken, ProblemTypes.ManualStudentsDenied)
            .WithSummary("Create a manual person (origin manual, accountState invitee); R19 may refuse a student");
        people.MapPatch("/{id:guid}", PatchPerson).RequireScope(Scopes.RosterWrite, Person).WithName("PatchPerson").WithETag()
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.SyncManagedField, ProblemTypes.EmailTaken).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Edit a person; R7/R8 refuse sync-managed fields the next sync would overwrite");
        people.MapPost("/{id:guid}/activation", Activate).RequireScope(Scopes.RosterWrite, Person).WithName("ActivatePerson").WithETag()
            .WithSummary("A front end reports a sign-in: accountState becomes active (R8)");
        people.MapGet("/{id:guid}/guardians", ListGuardians).RequireScope(Scopes.RosterRead, Person).WithName("ListGuardiansOfPerson");
        people.MapDelete("/{id:guid}/guardians/{linkId:guid}", UnlinkGuardian).RequireScope(Scopes.RosterWrite, Person).WithName("UnlinkGuardian")
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.SyncedLink)
            .WithSummary("End a guardian link made by hand (the row stays, ended); a synced one follows its source (R11)");
        people.MapPost("/{id:guid}/guardians", LinkGuardian).RequireScope(Scopes.RosterWrite, Person).WithIdempotency().WithName("LinkGuardian")
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.Conflict, ProblemTypes.AlreadyExists)
            .WithSummary("Link a guardian to this student by hand (kept by syncs, R11)");
        people.MapGet("/{id:guid}/students", ListStudents).RequireScope(Scopes.RosterRead, Person).WithName("ListStudentsOfPerson");
        people.MapGet("/{id:guid}/classes", ListClasses).RequireScope(Scopes.RosterRead, Person).WithName("ListClassesOfPerson");
        people.MapGet("/{id:guid}/history", (Guid districtId, Guid id, [AsParameters] HistoryQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct) =>
                RecordHistory.ListAsync(db, districtId, id, query, cursor, ct))
            .RequireScope(Scopes.RosterRead, Person).WithName("GetPersonHistory")
            .WithSummary("Every change to this person by runs and through the Api, newest first, with the deciding rule");
        return people;
    }

    private static async Task<Results<Ok<Page<PersonDto>>, ValidationProblem>> ListPeople(
        Guid districtId, [AsParameters] PeopleQuery query, Cursor cursor, NpgsqlDataSource dataSource, HttpContext http, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        if (query is { Role: null, Status: null, Email: null, SchoolId: null, ModifiedSince: null } && string.IsNullOrWhiteSpace(query.Q))
        {
            var page = await PersonReads.PageAsync(dataSource, districtId, after, query.LimitOf() + 1, ct);
            return TypedResults.Ok(Page.From(page, query.LimitOf(), p => cursor.Of(p.Id)));
        }
        // A filtered list goes through EF Core; only it takes a context from the pool.
        var db = http.RequestServices.GetRequiredService<RosterDbContext>();
        var people = db.People.Where(p => p.DistrictId == districtId);
        if (after is not null) people = people.Where(p => p.Id > after);
        if (query.Role is { } role) people = people.Where(p => p.Roles.Contains(role));
        if (query.Status is { } status) people = people.Where(p => p.Status == status);
        if (query.Email is not null) people = people.Where(p => p.NormalizedEmail == EmailNormalizer.Normalize(query.Email));
        if (query.SchoolId is { } schoolId)
            people = people.Where(p => db.Memberships.Any(m => m.DistrictId == districtId && m.PersonId == p.Id && m.SchoolId == schoolId && m.EndedAt == null));
        if (query.ModifiedSince is { } since)
        {
            var utc = since.ToUniversalTime();
            people = people.Where(p => p.UpdatedAt >= utc);
        }
        if (!string.IsNullOrWhiteSpace(query.Q))
        {
            var pattern = $"%{LikeEscape(query.Q.Trim())}%";
            people = people.Where(p => EF.Functions.ILike(p.GivenName!, pattern, @"\") || EF.Functions.ILike(p.FamilyName!, pattern, @"\")
                || EF.Functions.ILike(p.GivenName + " " + p.FamilyName, pattern, @"\") || EF.Functions.ILike(p.Email!, pattern, @"\"));
        }
        var rows = await people.OrderBy(p => p.Id).TakePage(query).ReadRowsAsync(db, ct);
        return TypedResults.Ok(Page.From(rows.Select(PersonDto.From).ToList(), query.LimitOf(), p => cursor.Of(p.Id)));
    }

    private static async Task<Results<Ok<PersonDto>, ProblemHttpResult>> GetPerson(
        Guid districtId, Guid id, NpgsqlDataSource dataSource, HttpResponse response, CancellationToken ct)
    {
        if (await PersonReads.FindAsync(dataSource, districtId, id, ct) is not { } found) return Problems.NotFound();
        ETags.Set(response, found.Version);
        return TypedResults.Ok(found.Person);
    }

    private static Task<PersonRow?> FindAsync(RosterDbContext db, Guid districtId, Guid id, CancellationToken ct) =>
        db.People.Where(p => p.DistrictId == districtId && p.Id == id).ReadRowAsync(db, ct);

    private static async Task<Results<Created<PersonDto>, ValidationProblem, ProblemHttpResult>> CreatePerson(
        Guid districtId, CreatePerson request, ClaimsPrincipal user, RosterDbContext db, HttpResponse response, CancellationToken ct)
    {
        var roles = (request.Roles ?? []).Distinct().ToList();
        var email = EmailNormalizer.Normalize(request.Email);
        var schoolIds = (request.SchoolIds ?? []).Distinct().ToList();
        var errors = new Dictionary<string, string[]>();
        if (roles.Count == 0 || roles.Any(r => !Roles.All.Contains(r)))
            errors["roles"] = [$"At least one of: {string.Join(", ", Roles.All)}."];
        if (email is null && !(roles.SequenceEqual([Roles.Guardian]) && !string.IsNullOrWhiteSpace(request.Sms)))
            errors["email"] = ["Required (a guardian may have an sms number instead)."];
        else if (email is not null && !EmailNormalizer.IsValid(email))
            errors["email"] = ["Not a valid email address."];
        if (string.IsNullOrWhiteSpace(request.GivenName)) errors["givenName"] = ["Required."];
        if (string.IsNullOrWhiteSpace(request.FamilyName)) errors["familyName"] = ["Required."];
        if (request.GraduationYear is < 1900 or > 2200) errors["graduationYear"] = ["Must be a year between 1900 and 2200."];
        if (schoolIds.Count > 0 && await db.Schools.CountAsync(s => s.DistrictId == districtId && schoolIds.Contains(s.Id), ct) != schoolIds.Count)
            errors["schoolIds"] = ["Every school must exist in this district."];
        if (errors.Count > 0) return Problems.Invalid(errors);

        if (roles.Contains(Roles.Student) && await ManualStudentsDeniedAsync(db, districtId, ct))
            return Problems.Conflict(ProblemTypes.ManualStudentsDenied, "Students cannot be created by hand in this district",
                "The district's sync settings have manualStudents deny; students come from the sync. Staff and guardians can be created.", "R19");

        var now = DateTimeOffset.UtcNow;
        var person = new Person
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Email = request.Email?.Trim(), NormalizedEmail = email,
            GivenName = request.GivenName!.Trim(), FamilyName = request.FamilyName!.Trim(), MiddleName = Blank(request.MiddleName), Roles = roles,
            Grade = Blank(request.Grade), GraduationYear = request.GraduationYear, Sms = Blank(request.Sms), Phone = Blank(request.Phone),
            Language = Blank(request.Language), Room = Blank(request.Room),
            Status = RecordStatus.Active, Origin = Origins.Manual, AccountState = AccountStates.Invitee, CreatedAt = now, UpdatedAt = now,
        };
        db.People.Add(person);
        foreach (var schoolId in schoolIds)
            foreach (var role in roles)
                db.Memberships.Add(new Membership { Id = Guid.CreateVersion7(), DistrictId = districtId, PersonId = person.Id, SchoolId = schoolId, Role = role, Origin = Origins.Manual, CreatedAt = now });
        RecordHistory.Record(db, user, districtId, Entities.Person, person.Id, ChangeActions.Created, [], now);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (IsEmailTaken(e))
        {
            return EmailTaken();
        }
        var row = (await FindAsync(db, districtId, person.Id, ct))!;
        ETags.Set(response, row.Version);
        return TypedResults.Created($"/api/v1/districts/{districtId}/people/{person.Id}", PersonDto.From(row));
    }

    private static async Task<Results<Ok<PersonDto>, ValidationProblem, ProblemHttpResult>> PatchPerson(
        Guid districtId, Guid id, PersonPatch patch, ClaimsPrincipal user, HttpContext http, RosterDbContext db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (patch.Email is { } newEmail && !EmailNormalizer.IsValid(EmailNormalizer.Normalize(newEmail))) errors["email"] = ["Not a valid email address."];
        if (patch.GivenName is "") errors["givenName"] = ["Cannot be cleared."];
        if (patch.FamilyName is "") errors["familyName"] = ["Cannot be cleared."];
        if (patch.GraduationYear is < 1900 or > 2200) errors["graduationYear"] = ["Must be a year between 1900 and 2200."];
        if (errors.Count > 0) return Problems.Invalid(errors);

        var updateActiveUsers = await db.SyncSettings.Where(s => s.DistrictId == districtId).Select(s => s.Settings).SingleOrDefaultAsync(ct) is { UpdateActiveUsers: true };
        if (await FindAsync(db, districtId, id, ct) is not { } row) return Problems.NotFound();
        if (!ETags.IfMatchAllows(http.Request, row.Version)) return Problems.PreconditionFailed();

        var person = row.Person;
        var edits = new List<FieldEdit>();
        var refused = new Dictionary<string, string>();
        foreach (var field in PersonFields.All)
        {
            var before = field.Stored(person);
            var after = patch.Value(field)?.Trim();
            if (after is null || after == (before ?? "")) continue;
            var (stands, rule) = PersonEditRules.Decide(person, field, updateActiveUsers);
            if (stands) edits.Add(new FieldEdit(field.Name, before, after == "" ? null : after, rule));
            else refused[field.Name] = rule!;
        }
        if (refused.Count > 0)
            return TypedResults.Problem(type: ProblemTypes.SyncManagedField, statusCode: StatusCodes.Status409Conflict,
                title: "The next sync would overwrite these fields",
                detail: string.Join("; ", refused.Select(r => $"{r.Key}: {Explain(r.Value)}")),
                extensions: new Dictionary<string, object?> { ["rule"] = refused.Values.Min(), ["fields"] = refused });
        if (edits.Count == 0)
        {
            ETags.Set(http.Response, row.Version);
            return TypedResults.Ok(PersonDto.From(row));
        }

        var changed = edits.ToDictionary(e => e.Field, e => e.After);
        var now = DateTimeOffset.UtcNow;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        try
        {
            // Only the edited columns are written, so a field a run changed meanwhile is not put back.
            var updated = await db.People.Where(p => p.Id == id && p.DistrictId == districtId).StillAt(http.Request, row.Version)
                .ExecuteUpdateAsync(s =>
                {
                    foreach (var (name, value) in changed)
                    {
                        var field = PersonFields.Find(name)!;
                        if (field.IsNumber) s.SetProperty(p => EF.Property<int?>(p, field.Property), PersonField.ParseYear(value));
                        else s.SetProperty(p => EF.Property<string?>(p, field.Property), value);
                        if (field == PersonFields.Email) s.SetProperty(p => p.NormalizedEmail, EmailNormalizer.Normalize(value));
                    }
                    s.SetProperty(p => p.UpdatedAt, now).SetProperty(p => p.SyncFingerprint, (long?)null);
                }, ct);
            if (updated == 0) return Problems.PreconditionFailed();
        }
        catch (PostgresException e) when (IsEmailTaken(e))
        {
            return EmailTaken();
        }
        RecordHistory.Record(db, user, districtId, Entities.Person, id, ChangeActions.Updated, edits, now);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);

        var saved = (await FindAsync(db, districtId, id, ct))!;
        ETags.Set(http.Response, saved.Version);
        return TypedResults.Ok(PersonDto.From(saved));
    }

    private static string Explain(string rule) => rule == "R8"
        ? "R8: a sync updates the contact details of this person (an invitee, or updateActiveUsers is on)"
        : "R7: a sync manages this field of a synced person";

    private static async Task<Results<Ok<PersonDto>, ProblemHttpResult>> Activate(
        Guid districtId, Guid id, ClaimsPrincipal user, RosterDbContext db, HttpResponse response, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var activated = await db.People.Where(p => p.DistrictId == districtId && p.Id == id && p.AccountState != AccountStates.Active)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.AccountState, AccountStates.Active).SetProperty(p => p.UpdatedAt, now)
                .SetProperty(p => p.SyncFingerprint, (long?)null), ct);
        if (activated > 0)
        {
            RecordHistory.Record(db, user, districtId, Entities.Person, id, ChangeActions.Updated,
                [new FieldEdit("accountState", AccountStates.Invitee, AccountStates.Active)], now);
            await db.SaveChangesAsync(ct);
        }
        if (await FindAsync(db, districtId, id, ct) is not { } row) return Problems.NotFound();
        ETags.Set(response, row.Version);
        return TypedResults.Ok(PersonDto.From(row));
    }

    private static Task<Results<Ok<Page<LinkedPersonDto>>, ValidationProblem>> ListGuardians(
        Guid districtId, Guid id, [AsParameters] LinkQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct) =>
        ListLinkedAsync(db, districtId, id, guardiansOfStudent: true, query, cursor, ct);

    private static Task<Results<Ok<Page<LinkedPersonDto>>, ValidationProblem>> ListStudents(
        Guid districtId, Guid id, [AsParameters] LinkQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct) =>
        ListLinkedAsync(db, districtId, id, guardiansOfStudent: false, query, cursor, ct);

    private static async Task<Results<Ok<Page<LinkedPersonDto>>, ValidationProblem>> ListLinkedAsync(
        RosterDbContext db, Guid districtId, Guid personId, bool guardiansOfStudent, LinkQuery query, Cursor cursor, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var links = db.GuardianLinks.AsNoTracking().Where(g => g.DistrictId == districtId && g.EndedAt == null && (after == null || g.Id > after));
        var page = await (guardiansOfStudent
                ? links.Where(g => g.StudentId == personId).Select(g => new { g.Id, g.Relationship, g.Origin, Other = g.GuardianId })
                : links.Where(g => g.GuardianId == personId).Select(g => new { g.Id, g.Relationship, g.Origin, Other = g.StudentId }))
            .OrderBy(g => g.Id).TakePage(query).ToListAsync(ct);
        var ids = page.Select(g => g.Other).ToList();
        var people = (await db.People.Where(p => p.DistrictId == districtId && ids.Contains(p.Id)).ReadRowsAsync(db, ct)).ToDictionary(r => r.Person.Id);
        var items = page.Select(g => new LinkedPersonDto(g.Id, g.Relationship, g.Origin, PersonDto.From(people[g.Other]))).ToList();
        return TypedResults.Ok(Page.From(items, query.LimitOf(), l => cursor.Of(l.LinkId)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnlinkGuardian(
        Guid districtId, Guid id, Guid linkId, ClaimsPrincipal user, RosterDbContext db, CancellationToken ct) =>
        await RecordHistory.EndManualLinkAsync(db, user, districtId, Entities.GuardianLink,
            await db.GuardianLinks.SingleOrDefaultAsync(g => g.Id == linkId && g.StudentId == id && g.DistrictId == districtId, ct),
            () => Problems.Conflict(ProblemTypes.SyncedLink, "A synced guardian link follows its source",
                "R11: a link from the source is ended when the source no longer sends it; end it in the source.", "R11"), ct);

    private static async Task<Results<Created<LinkedPersonDto>, ValidationProblem, ProblemHttpResult>> LinkGuardian(
        Guid districtId, Guid id, CreateGuardianLink request, ClaimsPrincipal user, RosterDbContext db, CancellationToken ct)
    {
        var guardian = await db.People.Where(p => p.DistrictId == districtId && p.Id == request.GuardianId).ReadRowAsync(db, ct);
        if (guardian is null || !guardian.Person.Roles.Contains(Roles.Guardian))
            return Problems.Invalid("guardianId", "Must be a person of this district with the guardian role.");
        var student = await db.People.AsNoTracking().SingleAsync(p => p.Id == id, ct);
        if (!student.Roles.Contains(Roles.Student))
            return Problems.Conflict(ProblemTypes.Conflict, "Only a student can have guardians", $"Person {id} has no student role.");

        var now = DateTimeOffset.UtcNow;
        var link = await db.GuardianLinks.SingleOrDefaultAsync(g => g.DistrictId == districtId && g.GuardianId == request.GuardianId && g.StudentId == id, ct);
        if (link is { EndedAt: null })
            return Problems.Conflict(ProblemTypes.AlreadyExists, "This guardian is already linked to this student");
        if (link is null)
        {
            link = new GuardianLink { Id = Guid.CreateVersion7(), DistrictId = districtId, GuardianId = request.GuardianId, StudentId = id, CreatedAt = now };
            db.GuardianLinks.Add(link);
        }
        // R11: a link made by hand is kept when the source no longer sends it.
        link.Origin = Origins.Manual;
        link.Relationship = request.Relationship?.Trim();
        link.EndedAt = null;
        link.EndedByRunId = null;
        RecordHistory.Record(db, user, districtId, Entities.GuardianLink, link.Id, ChangeActions.Created,
            [new FieldEdit("guardianId", null, request.GuardianId.ToString()), new FieldEdit("studentId", null, id.ToString())], now);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return Problems.Conflict(ProblemTypes.AlreadyExists, "This guardian is already linked to this student");
        }
        return TypedResults.Created($"/api/v1/districts/{districtId}/people/{id}/guardians",
            new LinkedPersonDto(link.Id, link.Relationship, link.Origin, PersonDto.From(guardian)));
    }

    private static async Task<Results<Ok<Page<PersonClassDto>>, ValidationProblem>> ListClasses(
        Guid districtId, Guid id, [AsParameters] LinkQuery query, Cursor cursor, RosterDbContext db, CancellationToken ct)
    {
        if (!cursor.TryRead(query.Cursor, out Guid? after)) return Cursor.Invalid();
        var rows = await (
            from e in db.Enrollments
            join c in db.Classes on e.ClassId equals c.Id
            where e.PersonId == id && e.DistrictId == districtId && c.DistrictId == districtId && e.EndedAt == null && (after == null || e.Id > after)
            orderby e.Id
            select new PersonClassDto(e.Id, e.Role, e.Origin, ClassDto.From(c)))
            .TakePage(query).AsNoTracking().ToListAsync(ct);
        return TypedResults.Ok(Page.From(rows, query.LimitOf(), r => cursor.Of(r.EnrollmentId)));
    }

    public static async Task<bool> ManualStudentsDeniedAsync(RosterDbContext db, Guid districtId, CancellationToken ct) =>
        await db.SyncSettings.Where(s => s.DistrictId == districtId).Select(s => s.Settings).SingleOrDefaultAsync(ct)
            is { ManualStudents: ManualStudentsPolicy.Deny };

    private static bool IsEmailTaken(DbUpdateException e) => e.InnerException is PostgresException p && IsEmailTaken(p);

    private static bool IsEmailTaken(PostgresException e) =>
        e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "ix_people_district_id_normalized_email" };

    private static ProblemHttpResult EmailTaken() =>
        Problems.Conflict(ProblemTypes.EmailTaken, "Email already used in this district",
            "Each person's email is unique in a district, ignoring case (R1).", "R1");

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string LikeEscape(string value) => value.Replace(@"\", @"\\", StringComparison.Ordinal)
        .Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}

/// <summary>A class a person is enrolled in, with the enrollment's role.</summary>
public sealed record PersonClassDto(Guid EnrollmentId, [property: Closed(nameof(Vocabularies.EnrollmentRole))] string Role, [property: Closed(nameof(Vocabularies.Origin))] string Origin, ClassDto Class);
