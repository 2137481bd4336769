using Microsoft.AspNetCore.Http.HttpResults;

namespace RosterSync.Api.Http;

/// <summary>
/// The stable <c>type</c> of every problem the Api answers (SPEC §7). Clients switch on these, so never change one;
/// docs/api.md lists them.
/// </summary>
public static class ProblemTypes
{
    private const string Base = "urn:rostersync:problem:";

    public const string BadRequest = Base + "bad-request";
    public const string Validation = Base + "validation";
    public const string Unauthorized = Base + "unauthorized";
    public const string Forbidden = Base + "forbidden";
    public const string NotFound = Base + "not-found";
    public const string MethodNotAllowed = Base + "method-not-allowed";
    public const string Conflict = Base + "conflict";
    public const string PreconditionFailed = Base + "precondition-failed";
    public const string PayloadTooLarge = Base + "payload-too-large";
    public const string UnsupportedMediaType = Base + "unsupported-media-type";
    public const string RateLimited = Base + "rate-limited";
    public const string Internal = Base + "internal";
    public const string Unavailable = Base + "unavailable";

    public const string EmptyFile = Base + "empty-file";
    public const string NotZipOrCsv = Base + "not-zip-or-csv";
    public const string EmailTaken = Base + "email-taken";
    public const string AlreadyExists = Base + "already-exists";
    public const string RunState = Base + "run-state";
    public const string RunAlreadyReverted = Base + "run-already-reverted";
    public const string SourceNotPullable = Base + "source-not-pullable";
    public const string ManualStudentsDenied = Base + "manual-students-denied";
    public const string SyncedClassStudent = Base + "synced-class-student";
    public const string SyncedClassField = Base + "synced-class-field";
    public const string SyncManagedField = Base + "sync-managed-field";
    public const string SyncedLink = Base + "synced-link";
    public const string IdempotencyKeyReused = Base + "idempotency-key-reused";
    public const string IdempotencyInProgress = Base + "idempotency-in-progress";
    public const string CursorExpired = Base + "cursor-expired";
    public const string DeliveryPending = Base + "delivery-pending";
    public const string RegistrationState = Base + "registration-state";
    public const string ExportNotConfigured = Base + "export-not-configured";
    public const string ExportTargetFailed = Base + "export-target-failed";

    /// <summary>The type of a problem that only has a status: routing 404, 405, 401 from authentication, a 500.</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        412 => PreconditionFailed,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        429 => RateLimited,
        503 => Unavailable,
        _ => Internal,
    };

    /// <summary>ProblemDetailsOptions.CustomizeProblemDetails: our type instead of ASP.NET's RFC links.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Status = status;
        if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            problem.Type = problem is HttpValidationProblemDetails && status == 400 ? Validation : ForStatus(status);
        problem.Title ??= ReasonPhrase(status);
        if (problem is HttpValidationProblemDetails validation)
        {
            // AddValidation names errors after C# members ("Limit"); clients send and read JSON names ("limit").
            var errors = validation.Errors.ToDictionary(e => CamelCase(e.Key), e => e.Value);
            validation.Errors.Clear();
            foreach (var (field, messages) in errors) validation.Errors[field] = messages;
        }
    }

    private static string CamelCase(string key) =>
        string.Join('.', key.Split('.').Select(part => part.Length > 0 && char.IsUpper(part[0]) ? char.ToLowerInvariant(part[0]) + part[1..] : part));

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}

/// <summary>Shorthands for the problems handlers answer, so each reads as one line.</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string title = "Not found") =>
        TypedResults.Problem(type: ProblemTypes.NotFound, title: title, statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult Conflict(string type, string title, string? detail = null, string? rule = null) =>
        TypedResults.Problem(type: type, title: title, detail: detail, statusCode: StatusCodes.Status409Conflict,
            extensions: rule is null ? null : new Dictionary<string, object?> { ["rule"] = rule });

    public static ProblemHttpResult PreconditionFailed() =>
        TypedResults.Problem(type: ProblemTypes.PreconditionFailed, title: "The record changed since you read it",
            detail: "If-Match does not match the current ETag; read the record again.", statusCode: StatusCodes.Status412PreconditionFailed);

    public static ValidationProblem Invalid(string field, string message) => Invalid(new() { [field] = [message] });

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation, title: "One or more fields are invalid");
}
