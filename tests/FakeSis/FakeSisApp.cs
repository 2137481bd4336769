using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RosterSync.FakeSis;

/// <summary>A fault the next resource request plays instead of its answer: 429 with Retry-After, a 500, or a hang.</summary>
public sealed record SisFault(int Status, int RetryAfterSeconds = 0, TimeSpan? Delay = null)
{
    public static SisFault TooManyRequests(int retryAfterSeconds) => new(429, retryAfterSeconds);
    public static SisFault ServerError() => new(500);
    public static SisFault Hang(TimeSpan delay) => new(0, Delay: delay);
}

/// <summary>A request a resource endpoint received, with the status it answered.</summary>
public sealed record SisRequest(string Method, string Path, int Status, string Body, DateTimeOffset At, string Authorization);

/// <summary>
/// What the fake SIS holds: registered API clients, issued tokens, students by natural key (studentUniqueId) and school
/// associations, and the faults scripted for the next resource requests. Tests change it directly; run.sh's demo through
/// <c>POST /_control/faults</c>.
/// </summary>
public sealed class SisState
{
    public ConcurrentDictionary<string, string> Clients { get; } = new();
    public ConcurrentDictionary<string, DateTimeOffset> Tokens { get; } = new();
    public ConcurrentDictionary<string, (Guid Id, JsonObject Body)> Students { get; } = new();
    public ConcurrentDictionary<string, JsonObject> Associations { get; } = new();
    public ConcurrentQueue<SisFault> Faults { get; } = new();
    public ConcurrentQueue<SisRequest> Requests { get; } = new();
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);
    /// <summary>How long every resource POST is held after it was stored and before it is answered: a slow SIS, so a kill lands mid-run.</summary>
    public TimeSpan PostDelay { get; set; }
    private readonly ConcurrentDictionary<(string Path, string Student), int> _postsPerStudent = new();
    private int _tokensIssued;
    public int TokensIssued => Volatile.Read(ref _tokensIssued);
    public void TokenIssued() => Interlocked.Increment(ref _tokensIssued);

    public void Fail(params SisFault[] faults)
    {
        foreach (var fault in faults) Faults.Enqueue(fault);
    }

    /// <summary>How many POSTs to <paramref name="path"/> named this student's natural key (studentUniqueId), answered or not.</summary>
    public int PostsOf(string path, string studentUniqueId) => _postsPerStudent.GetValueOrDefault((path, studentUniqueId));

    internal void Received(string path, string studentUniqueId) => _postsPerStudent.AddOrUpdate((path, studentUniqueId), 1, (_, n) => n + 1);

    public IEnumerable<SisRequest> Posts(string path) => Requests.Where(r => r.Method == "POST" && r.Path == path);
}

/// <summary>
/// An SIS write API on 127.0.0.1 shaped after Ed-Fi's ODS/API: OAuth2 client credentials at <c>/oauth/token</c> with
/// expiring tokens, an OpenAPI document at <c>/metadata/openapi.json</c>, <c>POST /students</c> as an upsert by natural
/// key (201 created, 200 updated, Location and ETag), <c>POST /studentSchoolAssociations</c> (409 for an unknown student),
/// and RFC 9457 errors with <c>validationErrors</c> keyed by JSON path.
/// </summary>
public static class FakeSisApp
{
    public const string DataValidationFailed = "urn:ed-fi:api:bad-request:data-validation-failed";
    public const string InvalidReference = "urn:ed-fi:api:conflict:invalid-reference";

    public static readonly string[] SexDescriptors =
        ["uri://ed-fi.org/SexDescriptor#Female", "uri://ed-fi.org/SexDescriptor#Male", "uri://ed-fi.org/SexDescriptor#Not Selected"];

    public static readonly string[] GradeLevelDescriptors =
        [.. new[] { "Kindergarten", "First grade", "Second grade", "Third grade", "Fourth grade", "Fifth grade", "Sixth grade", "Seventh grade",
            "Eighth grade", "Ninth grade", "Tenth grade", "Eleventh grade", "Twelfth grade" }.Select(g => "uri://ed-fi.org/GradeLevelDescriptor#" + g)];

    /// <summary>Starts the fake on <paramref name="url"/> (port 0: any free port) and returns it with its address.</summary>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(SisState state, string url = "http://127.0.0.1:0")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        Map(app, state);
        await app.StartAsync();
        return (app, new Uri(app.Urls.Single().TrimEnd('/') + "/"));
    }

    public static void Map(WebApplication app, SisState state)
    {
        // A lambda taking only HttpContext binds as a RequestDelegate, whose return value is dropped (ASP0016): execute the result.
        app.MapPost("/oauth/token", async (HttpContext http) =>
            await IssueToken(http, state, http.Request.HasFormContentType ? await http.Request.ReadFormAsync() : null).ExecuteAsync(http));
        app.MapGet("/metadata/openapi.json", () => Results.Text(OpenApiDocument.Json, "application/json"));
        app.MapPost("/students", (HttpContext http) => Resource(http, state, UpsertStudent));
        app.MapPost("/studentSchoolAssociations", (HttpContext http) => Resource(http, state, UpsertAssociation));
        app.MapGet("/students", (HttpContext http) => Authorized(http, state)
            ? Results.Json(state.Students.Values.Select(s => WithId(s.Id, s.Body)).ToList())
            : Unauthorized());
        app.MapPost("/_control/faults", (FaultRequest request) =>
        {
            for (var i = 0; i < Math.Clamp(request.Count, 1, 100); i++)
                state.Faults.Enqueue(request.Kind switch
                {
                    "429" => SisFault.TooManyRequests(request.RetryAfterSeconds),
                    "timeout" => SisFault.Hang(TimeSpan.FromSeconds(Math.Max(request.RetryAfterSeconds, 30))),
                    _ => SisFault.ServerError(),
                });
            return Results.NoContent();
        });
    }

    public sealed record FaultRequest(string Kind, int Count = 1, int RetryAfterSeconds = 1);

    private static IResult IssueToken(HttpContext http, SisState state, IFormCollection? form)
    {
        var (key, secret) = BasicCredentials(http.Request) ?? (form?["client_id"].ToString(), form?["client_secret"].ToString());
        if (form?["grant_type"].ToString() != "client_credentials")
            return Results.Json(new { error = "unsupported_grant_type" }, statusCode: 400);
        if (key is null || !state.Clients.TryGetValue(key, out var expected) || expected != secret)
            return Results.Json(new { error = "invalid_client" }, statusCode: 401);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        state.Tokens[token] = DateTimeOffset.UtcNow + state.TokenLifetime;
        state.TokenIssued();
        return Results.Json(new { access_token = token, token_type = "bearer", expires_in = (int)state.TokenLifetime.TotalSeconds });
    }

    private static (string?, string?)? BasicCredentials(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) || header.Scheme != "Basic" || header.Parameter is null)
            return null;
        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter)).Split(':', 2);
        return pair.Length == 2 ? (pair[0], pair[1]) : null;
    }

    private static bool Authorized(HttpContext http, SisState state) =>
        AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization, out var header)
        && header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) && header.Parameter is { } token
        && state.Tokens.TryGetValue(token, out var expires) && expires > DateTimeOffset.UtcNow;

    private static IResult Unauthorized() => Results.Json(new { error = "invalid_token", error_description = "Token is invalid or expired." },
        statusCode: 401);

    private static async Task Resource(HttpContext http, SisState state, Func<JsonObject, SisState, IResult> handle)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        if (StudentKeyOf(body) is { } student) state.Received(http.Request.Path, student);
        IResult result;
        if (state.Faults.TryDequeue(out var fault))
        {
            if (fault.Delay is { } delay)
            {
                try { await Task.Delay(delay, http.RequestAborted); } catch (OperationCanceledException) { return; }
            }
            if (fault.Status == 429) http.Response.Headers.RetryAfter = fault.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            result = fault.Status == 0 ? Handle(http, state, body, handle) : Problem(fault.Status, "urn:ed-fi:api:fault", "Scripted fault", null);
        }
        else result = Handle(http, state, body, handle);
        if (state.PostDelay > TimeSpan.Zero)
        {
            try { await Task.Delay(state.PostDelay, http.RequestAborted); } catch (OperationCanceledException) { return; }
        }
        http.Response.OnStarting(() =>
        {
            state.Requests.Enqueue(new SisRequest(http.Request.Method, http.Request.Path, http.Response.StatusCode, body, DateTimeOffset.UtcNow, http.Request.Headers.Authorization.ToString()));
            return Task.CompletedTask;
        });
        await result.ExecuteAsync(http);
    }

    /// <summary>The student a resource body names: a student's studentUniqueId, or an association's studentReference.</summary>
    private static string? StudentKeyOf(string body)
    {
        try
        {
            return JsonNode.Parse(body) is JsonObject json ? Text(json, "studentUniqueId") ?? (json["studentReference"] as JsonObject is { } s ? Text(s, "studentUniqueId") : null) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IResult Handle(HttpContext http, SisState state, string body, Func<JsonObject, SisState, IResult> handle)
    {
        if (!Authorized(http, state)) return Unauthorized();
        JsonObject? json;
        try { json = JsonNode.Parse(body) as JsonObject; }
        catch (JsonException) { json = null; }
        return json is null
            ? Problem(400, "urn:ed-fi:api:bad-request", "The request body could not be read.", null)
            : handle(json, state);
    }

    private static IResult UpsertStudent(JsonObject body, SisState state)
    {
        var errors = new Dictionary<string, List<string>>();
        foreach (var field in new[] { "studentUniqueId", "birthDate", "firstName", "lastSurname" })
            if (Text(body, field) is null) Add(errors, "$." + field, $"{field} is required.");
        if (Text(body, "birthDate") is { } birth && !DateOnly.TryParseExact(birth, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            Add(errors, "$.birthDate", "birthDate must be a date (yyyy-MM-dd).");
        else if (Text(body, "birthDate") is { } born && DateOnly.ParseExact(born, "yyyy-MM-dd", CultureInfo.InvariantCulture) > DateOnly.FromDateTime(DateTime.UtcNow))
            Add(errors, "$.birthDate", "birthDate cannot be in the future.");
        if (Text(body, "studentUniqueId") is { Length: > 32 }) Add(errors, "$.studentUniqueId", "studentUniqueId must be 32 characters or fewer.");
        if (Text(body, "sexDescriptor") is { } sex && !SexDescriptors.Contains(sex))
            Add(errors, "$.sexDescriptor", $"sexDescriptor value '{sex}' does not exist.");
        if (body["addresses"] is JsonArray addresses)
            for (var i = 0; i < addresses.Count; i++)
                if (addresses[i] is JsonObject address && Text(address, "postalCode") is { } zip && !System.Text.RegularExpressions.Regex.IsMatch(zip, "^[0-9]{5}(-[0-9]{4})?$"))
                    Add(errors, $"$.addresses[{i}].postalCode", "postalCode must be a US ZIP code.");
        if (errors.Count > 0) return ValidationFailed(errors);

        var key = Text(body, "studentUniqueId")!;
        var created = false;
        var stored = state.Students.AddOrUpdate(key, _ => { created = true; return (Guid.NewGuid(), body); }, (_, old) => (old.Id, body));
        return Stored(stored.Id, "students", body, created);
    }

    private static IResult UpsertAssociation(JsonObject body, SisState state)
    {
        var errors = new Dictionary<string, List<string>>();
        var student = (body["studentReference"] as JsonObject) is { } s ? Text(s, "studentUniqueId") : null;
        var school = (body["schoolReference"] as JsonObject)?["schoolId"];
        if (student is null) Add(errors, "$.studentReference.studentUniqueId", "studentUniqueId is required.");
        if (school is null) Add(errors, "$.schoolReference.schoolId", "schoolId is required.");
        else if (school.GetValueKind() != JsonValueKind.Number) Add(errors, "$.schoolReference.schoolId", "schoolId must be an integer.");
        if (Text(body, "entryDate") is not { } entry) Add(errors, "$.entryDate", "entryDate is required.");
        else if (!DateOnly.TryParseExact(entry, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            Add(errors, "$.entryDate", "entryDate must be a date (yyyy-MM-dd).");
        if (Text(body, "entryGradeLevelDescriptor") is not { } grade) Add(errors, "$.entryGradeLevelDescriptor", "entryGradeLevelDescriptor is required.");
        else if (!GradeLevelDescriptors.Contains(grade)) Add(errors, "$.entryGradeLevelDescriptor", $"entryGradeLevelDescriptor value '{grade}' does not exist.");
        if (errors.Count > 0) return ValidationFailed(errors);
        if (!state.Students.ContainsKey(student!))
            return Problem(409, InvalidReference, "The referenced 'Student' resource does not exist.", null);

        var key = $"{Text(body, "entryDate")}|{school!.ToJsonString()}|{student}";
        var created = state.Associations.TryAdd(key, body);
        if (!created) state.Associations[key] = body;
        return Stored(DeterministicId(key), "studentSchoolAssociations", body, created);
    }

    private static StoredResult Stored(Guid id, string resource, JsonObject body, bool created) => new StoredResult(id, resource,
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body.ToJsonString())))[..16], created);

    private sealed class StoredResult(Guid id, string resource, string etag, bool created) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = created ? 201 : 200;
            http.Response.Headers.Location = $"/{resource}/{id:N}";
            http.Response.Headers.ETag = $"\"{etag}\"";
            return Task.CompletedTask;
        }
    }

    private static Guid DeterministicId(string key) => new(SHA256.HashData(Encoding.UTF8.GetBytes(key))[..16]);

    private static JsonObject WithId(Guid id, JsonObject body)
    {
        var copy = (JsonObject)body.DeepClone();
        copy["id"] = id.ToString("N");
        return copy;
    }

    private static string? Text(JsonObject body, string name) =>
        body[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() is { Length: > 0 } s ? s : null;

    private static void Add(Dictionary<string, List<string>> errors, string path, string message)
    {
        if (!errors.TryGetValue(path, out var list)) errors[path] = list = [];
        list.Add(message);
    }

    private static IResult ValidationFailed(Dictionary<string, List<string>> errors) =>
        Problem(400, DataValidationFailed, "Data validation failed. See 'validationErrors' for details.", errors);

    private static IResult Problem(int status, string type, string detail, Dictionary<string, List<string>>? validationErrors) =>
        Results.Json(new
        {
            type,
            title = status switch { 400 => "Data Validation Failed", 409 => "Resource Not Unique Or Invalid Reference", 429 => "Too Many Requests", _ => "Internal Server Error" },
            status,
            detail,
            correlationId = Guid.NewGuid().ToString("N"),
            validationErrors = validationErrors ?? [],
            errors = Array.Empty<string>(),
        }, contentType: "application/problem+json", statusCode: status);
}
