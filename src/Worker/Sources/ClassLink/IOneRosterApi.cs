using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace RosterSync.Worker.Sources.ClassLink;

/// <summary>
/// OneRoster 1.1 REST collections at a district's tenant URL (ClassLink: <c>https://&lt;tenant&gt;/ims/oneroster/v1p1</c>),
/// read with <c>limit</c>/<c>offset</c>; plus the OAuth2 token endpoint. Each call carries the district's
/// credentials as a request option; <see cref="OneRosterAuthHandler"/> applies them on every attempt.
/// </summary>
public interface IOneRosterApi
{
    [Get("")]
    Task<ApiResponse<OneRosterOrgs>> Orgs([Url] Uri collection, int limit, int offset, [Property(OneRosterAuth.Key)] OneRosterAuth auth, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    [Get("")]
    Task<ApiResponse<OneRosterSessions>> AcademicSessions([Url] Uri collection, int limit, int offset, [Property(OneRosterAuth.Key)] OneRosterAuth auth, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    [Get("")]
    Task<ApiResponse<OneRosterCourses>> Courses([Url] Uri collection, int limit, int offset, [Property(OneRosterAuth.Key)] OneRosterAuth auth, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    [Get("")]
    Task<ApiResponse<OneRosterUsers>> Users([Url] Uri collection, int limit, int offset, [Property(OneRosterAuth.Key)] OneRosterAuth auth, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    [Get("")]
    Task<ApiResponse<OneRosterClasses>> Classes([Url] Uri collection, int limit, int offset, [Property(OneRosterAuth.Key)] OneRosterAuth auth, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    [Get("")]
    Task<ApiResponse<OneRosterEnrollments>> Enrollments([Url] Uri collection, int limit, int offset, [Property(OneRosterAuth.Key)] OneRosterAuth auth, [Property(SourceResilience.Key)] string source, CancellationToken ct);

    /// <summary>OAuth2 client credentials (RFC 6749 §4.4) with HTTP Basic client authentication.</summary>
    [Post("")]
    Task<ApiResponse<OAuthToken>> Token(
        [Url] Uri tokenUrl, [Body(BodySerializationMethod.UrlEncoded)] Dictionary<string, string> form, [Authorize("Basic")] string clientCredentials,
        [Property(SourceResilience.Key)] string source, CancellationToken ct);
}

/// <summary>Collection pages: the one property holds the records (<c>{"users":[…]}</c>).</summary>
public sealed record OneRosterOrgs(IReadOnlyList<OneRosterOrg>? Orgs);

public sealed record OneRosterSessions(IReadOnlyList<OneRosterSession>? AcademicSessions);

public sealed record OneRosterCourses(IReadOnlyList<OneRosterCourse>? Courses);

public sealed record OneRosterUsers(IReadOnlyList<OneRosterUser>? Users);

public sealed record OneRosterClasses(IReadOnlyList<OneRosterClass>? Classes);

public sealed record OneRosterEnrollments(IReadOnlyList<OneRosterEnrollment>? Enrollments);

/// <summary>Every OneRoster record has a sourcedId and a status (active, tobedeleted; 1.0's inactive).</summary>
public interface IOneRosterRecord
{
    string? SourcedId { get; }
    string? Status { get; }
}

/// <summary>A GUIDRef: <c>{"href":"…","sourcedId":"2","type":"org"}</c>.</summary>
public sealed record OneRosterRef(string? SourcedId, string? Type);

public sealed record OneRosterOrg(string? SourcedId, string? Status, string? Name, string? Type, string? Identifier) : IOneRosterRecord;

public sealed record OneRosterSession(
    string? SourcedId, string? Status, string? Title, string? Type, string? StartDate, string? EndDate,
    [property: JsonConverter(typeof(LenientStringConverter))] string? SchoolYear) : IOneRosterRecord;

public sealed record OneRosterCourse(string? SourcedId, string? Status, string? Title, string? CourseCode, OneRosterRef? Org) : IOneRosterRecord;

public sealed record OneRosterUser(
    string? SourcedId, string? Status, string? Role, string? Email, string? GivenName, string? FamilyName, string? MiddleName,
    string? Identifier, string? Sms, string? Phone, IReadOnlyList<OneRosterRef>? Orgs, IReadOnlyList<OneRosterRef>? Agents,
    IReadOnlyList<string>? Grades) : IOneRosterRecord;

public sealed record OneRosterClass(
    string? SourcedId, string? Status, string? Title, string? ClassCode, string? ClassType, IReadOnlyList<string>? Grades,
    IReadOnlyList<string>? Subjects, OneRosterRef? Course, OneRosterRef? School, IReadOnlyList<OneRosterRef>? Terms) : IOneRosterRecord;

public sealed record OneRosterEnrollment(
    string? SourcedId, string? Status, string? Role, [property: JsonConverter(typeof(LenientStringConverter))] string? Primary,
    OneRosterRef? User, OneRosterRef? Class, OneRosterRef? School) : IOneRosterRecord;

public sealed record OAuthToken(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] int? ExpiresIn);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(OneRosterOrgs))]
[JsonSerializable(typeof(OneRosterSessions))]
[JsonSerializable(typeof(OneRosterCourses))]
[JsonSerializable(typeof(OneRosterUsers))]
[JsonSerializable(typeof(OneRosterClasses))]
[JsonSerializable(typeof(OneRosterEnrollments))]
[JsonSerializable(typeof(OAuthToken))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class OneRosterJsonContext : JsonSerializerContext;
