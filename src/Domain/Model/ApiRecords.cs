namespace RosterSync.Domain.Model;

/// <summary>
/// An edit made through the Api (not by a run). With <see cref="RunChange"/> it makes a record's history:
/// who changed which field, from what, to what, and which rule let the edit stand.
/// </summary>
public sealed class ManualChange
{
    public long Id { get; set; }
    public Guid DistrictId { get; set; }
    public required string Entity { get; set; }
    public Guid RecordId { get; set; }
    public required string Action { get; set; }
    public string? Field { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public string? Rule { get; set; }
    /// <summary>The district key that made the edit; null for the operator key.</summary>
    public Guid? ApiKeyId { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
    /// <summary>The district's event sequence number (the feed's order), set by the database trigger on insert.</summary>
    public long? Seq { get; set; }
}

/// <summary>
/// The first answer to a POST that carried an Idempotency-Key (SPEC §7), replayed for a repeat of the same request.
/// </summary>
public sealed class IdempotencyRecord
{
    /// <summary>The district id the key belongs to, or "operator".</summary>
    public required string Scope { get; set; }
    public required string Key { get; set; }
    /// <summary>SHA-256 of method, path and body; a repeat with another body is refused.</summary>
    public required string RequestHash { get; set; }
    /// <summary>Null while the first request is still being handled.</summary>
    public int? StatusCode { get; set; }
    public string? Location { get; set; }
    public string? ResponseBody { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>PostgreSQL's xmin system column, mapped as a shadow property: it changes on every update of a row, so it makes an ETag.</summary>
public static class RowVersion
{
    public const string Property = "xmin";
}
