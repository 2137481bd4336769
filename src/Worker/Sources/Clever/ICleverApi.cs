using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace RosterSync.Worker.Sources.Clever;

/// <summary>
/// Clever Data API v3.0 list endpoints. Each call takes the page's absolute URL — the first page
/// (<c>/v3.0/users?limit=…</c>) or the <c>next</c> link Clever sent, verbatim — and the district's token, which is
/// passed per call because it belongs to the district, not to the process.
/// </summary>
public interface ICleverApi
{
    [Get("")]
    Task<ApiResponse<CleverPage<CleverDistrict>>> Districts([Url] Uri page, [Authorize] string token, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    [Get("")]
    Task<ApiResponse<CleverPage<CleverSchool>>> Schools([Url] Uri page, [Authorize] string token, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    [Get("")]
    Task<ApiResponse<CleverPage<CleverUser>>> Users([Url] Uri page, [Authorize] string token, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    [Get("")]
    Task<ApiResponse<CleverPage<CleverSection>>> Sections([Url] Uri page, [Authorize] string token, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    [Get("")]
    Task<ApiResponse<CleverPage<CleverTerm>>> Terms([Url] Uri page, [Authorize] string token, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    [Get("")]
    Task<ApiResponse<CleverPage<CleverCourse>>> Courses([Url] Uri page, [Authorize] string token, [Property(SourceResilience.Key)] string source, CancellationToken ct);
}

/// <summary>The list envelope: <c>{"data":[{"data":{…},"uri":"…"}],"links":[{"rel":"next","uri":"/v3.0/…"}]}</c>.</summary>
public sealed record CleverPage<T>(IReadOnlyList<CleverItem<T>>? Data, IReadOnlyList<CleverLink>? Links);

public sealed record CleverItem<T>(T? Data);

/// <summary>Every listed record has a Clever id, the source id of what it becomes.</summary>
public interface ICleverRecord
{
    string? Id { get; }
}

public sealed record CleverLink(string? Rel, string? Uri);

public sealed record CleverDistrict(string? Id, string? Name) : ICleverRecord;

public sealed record CleverSchool(string? Id, string? Name, string? SisId, string? SchoolNumber) : ICleverRecord;

public sealed record CleverName(string? First, string? Middle, string? Last);

public sealed record CleverUser(string? Id, string? Email, CleverName? Name, CleverRoles? Roles) : ICleverRecord;

/// <summary>Each key is present only when the user holds that role.</summary>
public sealed record CleverRoles(
    CleverStudentRole? Student, CleverTeacherRole? Teacher, CleverStaffRole? Staff, CleverAdminRole? DistrictAdmin, CleverContactRole? Contact);

public sealed record CleverStudentRole(
    string? SisId, string? Grade, [property: JsonConverter(typeof(LenientStringConverter))] string? GraduationYear,
    string? School, IReadOnlyList<string>? Schools);

public sealed record CleverTeacherRole(string? SisId, string? School, IReadOnlyList<string>? Schools);

public sealed record CleverStaffRole(string? StaffId, IReadOnlyList<string>? Schools);

public sealed record CleverAdminRole(string? Title);

public sealed record CleverContactRole(string? SisId, string? Phone, string? PhoneType, IReadOnlyList<CleverStudentRelationship>? StudentRelationships);

public sealed record CleverStudentRelationship(string? Student, string? Relationship, string? Type);

public sealed record CleverSection(
    string? Id, string? Name, string? School, string? Grade, string? Subject, string? Period, string? Course, string? TermId,
    string? Teacher, IReadOnlyList<string>? Teachers, IReadOnlyList<string>? Students) : ICleverRecord;

public sealed record CleverTerm(string? Id, string? Name, string? StartDate, string? EndDate) : ICleverRecord;

public sealed record CleverCourse(string? Id, string? Name, string? Number) : ICleverRecord;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CleverPage<CleverDistrict>))]
[JsonSerializable(typeof(CleverPage<CleverSchool>))]
[JsonSerializable(typeof(CleverPage<CleverUser>))]
[JsonSerializable(typeof(CleverPage<CleverSection>))]
[JsonSerializable(typeof(CleverPage<CleverTerm>))]
[JsonSerializable(typeof(CleverPage<CleverCourse>))]
public sealed partial class CleverJsonContext : JsonSerializerContext;
