namespace RosterSync.Domain.Export;

/// <summary>A student registration written by a registration front end (SPEC §6): its answers and, once exported, its SIS status.</summary>
public sealed class Registration
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public string Status { get; set; } = RegistrationStatuses.Draft;
    public Guid SchoolId { get; set; }
    /// <summary>The person it registers: given when it exists, or created on approval.</summary>
    public Guid? PersonId { get; set; }
    /// <summary>Copied from the answers (<c>enrollment.grade</c>) so lists can filter on it.</summary>
    public string? Grade { get; set; }
    /// <summary>The form's answers, a JSON object of sections of fields (<see cref="FieldCatalogue"/>).</summary>
    public required string Answers { get; set; }
    public string? ExportStatus { get; set; }
    public string? SisId { get; set; }
    /// <summary>The target's own error of the last failed export, as JSON (<see cref="ExportError"/>).</summary>
    public string? ExportError { get; set; }
    /// <summary>SHA-256 of the payloads last sent successfully: the same payload again is <c>unchanged</c>.</summary>
    public string? SentPayloadHash { get; set; }
    public Guid? LastExportRunId { get; set; }
    public DateTimeOffset? ExportedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class RegistrationStatuses
{
    public const string Draft = "draft";
    public const string Submitted = "submitted";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public static readonly string[] All = [Draft, Submitted, Approved, Rejected];

    /// <summary>The status changes a registration may make; an approved registration stays approved (it may have been exported).</summary>
    public static bool CanChange(string from, string to) => (from, to) switch
    {
        (Draft, Submitted) => true,
        (Submitted, Approved or Rejected or Draft) => true,
        (Rejected, Submitted) => true,
        _ => false,
    };
}

public static class ExportStatuses
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string Unchanged = "unchanged";
    public static readonly string[] All = [Pending, Sent, Failed, Unchanged];
}

public static class ExportRunStatuses
{
    public const string PartiallySucceeded = "partially-succeeded";
    /// <summary>The source kind of an export run in sync_runs: it shares the run, lease and dispatcher machinery (R29).</summary>
    public const string SourceKind = "export";
}

/// <summary>A district's connection to its SIS write API (SPEC §6).</summary>
public sealed class ExportConnection
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public required string Name { get; set; }
    public required string BaseUrl { get; set; }
    /// <summary><see cref="ExportAuthKinds"/>.</summary>
    public required string AuthKind { get; set; }
    /// <summary>OAuth2 token endpoint; relative URLs are resolved against <see cref="BaseUrl"/>.</summary>
    public string? TokenUrl { get; set; }
    public string? ClientId { get; set; }
    /// <summary>Client secret or bearer token, encrypted with the sync settings' secret protection; never returned.</summary>
    public string? EncryptedSecrets { get; set; }
    public required string OpenApiUrl { get; set; }
    /// <summary>The target operations in the order they are sent (JSON list of <see cref="TargetOperation"/>).</summary>
    public List<TargetOperation> Operations { get; set; } = [];
    public Guid? ExampleRegistrationId { get; set; }
    /// <summary>Read from the OpenAPI document on refresh (JSON list of <see cref="TargetField"/>).</summary>
    public List<TargetField> TargetFields { get; set; } = [];
    public DateTimeOffset? TargetFieldsRefreshedAt { get; set; }
    public string? TargetFieldsProblem { get; set; }
    public List<FieldMapping> Mappings { get; set; } = [];
    /// <summary>The target's answers to the last test record, as they came (JSON list of <see cref="TargetAnswer"/>).</summary>
    public string? LastTestAnswer { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class ExportAuthKinds
{
    public const string OAuth2ClientCredentials = "oauth2-client-credentials";
    public const string Bearer = "bearer";
    public const string SecretName = "secret";
}

/// <summary>A school served by a connection: the school id is the key, so a school has at most one connection.</summary>
public sealed class ExportConnectionSchool
{
    public Guid SchoolId { get; set; }
    public Guid DistrictId { get; set; }
    public Guid ConnectionId { get; set; }
}

/// <summary>An operation of the target, e.g. <c>POST /students</c>.</summary>
public sealed record TargetOperation(string Method, string Path);

/// <summary>
/// A field of a target operation's request body. <paramref name="Path"/> is a JSON path below the body
/// (<c>schoolReference.schoolId</c>, <c>addresses[0].city</c>). <paramref name="Required"/> when it and every object above
/// it are required; a field inside an optional object is required only once that object is sent.
/// </summary>
public sealed record TargetField(
    string Operation, string Path, string Type, string? Format, bool Required, IReadOnlyList<string>? Enum, int? MaxLength, string? Pattern);

/// <summary>How one target field is filled (SPEC §6 mapping types).</summary>
public sealed record FieldMapping(
    string Operation, string Target, string Type, string? Source = null, IReadOnlyDictionary<string, string>? Codes = null, TransformNode? Transform = null);

public static class MappingTypes
{
    public const string None = "none";
    public const string Direct = "direct";
    public const string Codes = "codes";
    public const string Transform = "transform";
    public static readonly string[] All = [None, Direct, Codes, Transform];
}

/// <summary>One registration of an export run and what became of it.</summary>
public sealed class ExportRunItem
{
    public Guid RunId { get; set; }
    public Guid RegistrationId { get; set; }
    public Guid DistrictId { get; set; }
    public string Status { get; set; } = ExportStatuses.Pending;
    public string? SisId { get; set; }
    public string? Error { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>What an export run was asked to do beyond its sync_runs row.</summary>
public sealed class ExportRunRequest
{
    public Guid RunId { get; set; }
    public Guid DistrictId { get; set; }
    public bool Force { get; set; }
    /// <summary>Registrations asked for that were not approved, and so not sent.</summary>
    public int NotApproved { get; set; }
}

/// <summary>The target's own answer to a failed send, field by field where it gives them (validationErrors by JSON path).</summary>
public sealed record ExportError(string Operation, int? Status, string? Type, string Message, IReadOnlyDictionary<string, IReadOnlyList<string>>? Fields);

/// <summary>One answer of the target as it came: the operation, its HTTP status, content type and body.</summary>
public sealed record TargetAnswer(string Operation, int Status, string? ContentType, string Body, string? Location);
