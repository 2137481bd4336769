namespace RosterSync.Domain.Model;

public sealed class SyncRun
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public string Status { get; set; } = RunStatus.Queued;
    public required string Trigger { get; set; }
    public bool DryRun { get; set; }
    public Guid? RevertsRunId { get; set; }
    /// <summary>Which source the run reads: a source kind, or the upload it was given.</summary>
    public required string SourceKind { get; set; }
    public Guid? UploadId { get; set; }
    public string? Phase { get; set; }
    public long Processed { get; set; }
    public long Total { get; set; }
    public RunCounts Counts { get; set; } = new();
    public int IssueCount { get; set; }
    public string? Error { get; set; }
    /// <summary>The run failed on a transient source error (network, timeout, 5xx, 429): a scheduled run is retried.</summary>
    public bool Retryable { get; set; }
    /// <summary>
    /// The W3C traceparent of what created the run (the Api's request, a schedule firing): a StartSync published later by the
    /// Worker's dispatcher continues that trace (SPEC §10).
    /// </summary>
    public string? TraceParent { get; set; }
    public bool Approved { get; set; }
    public DateTimeOffset QueuedAt { get; set; }
    /// <summary>When StartSync was last published for this run; the dispatcher re-publishes stale queued runs.</summary>
    public DateTimeOffset? PublishedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>R29: the Worker holding the run while it is running (kept afterwards: who ran it last).</summary>
    public string? LeaseOwner { get; set; }
    /// <summary>R29: when the holder's lease ends unless renewed; a running run past it is taken over.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>R29: how often the run was taken over from a Worker that stopped renewing its lease.</summary>
    public int Takeovers { get; set; }
    /// <summary>
    /// Issue 12: the hash of what every person's plan depended on (source kind, settings, schools, sessions, courses) when this run
    /// applied; the next sync with the same basis plans only changed people. Null for reverts and runs that applied nothing.
    /// </summary>
    public long? FingerprintBasis { get; set; }
}

/// <summary>What a Worker needs of a run it claimed.</summary>
/// <param name="Owner">The lease owner this claim wrote (R29): one per claim, so an earlier claim of the same Worker changes nothing.</param>
public sealed record ClaimedRun(
    Guid Id, Guid DistrictId, string Trigger, bool DryRun, string SourceKind, Guid? UploadId, bool Approved, Guid? RevertsRunId,
    int Takeovers, string Owner);

/// <summary>Counts per entity and action, SPEC §8. Stored as jsonb on the run.</summary>
public sealed class RunCounts
{
    public ActionCounts People { get; set; } = new();
    public ActionCounts Schools { get; set; } = new();
    public ActionCounts Classes { get; set; } = new();
    public ActionCounts Enrollments { get; set; } = new();
    public ActionCounts GuardianLinks { get; set; } = new();
    public ActionCounts Memberships { get; set; } = new();

    public ActionCounts For(string entity) => entity switch
    {
        Entities.Person => People,
        Entities.School => Schools,
        Entities.Class => Classes,
        Entities.Enrollment => Enrollments,
        Entities.GuardianLink => GuardianLinks,
        Entities.Membership => Memberships,
        _ => Other,
    };

    // Sessions and courses are counted but not part of the published shape.
    [System.Text.Json.Serialization.JsonIgnore]
    public ActionCounts Other { get; } = new();
}

public sealed class ActionCounts
{
    public long Created { get; set; }
    public long Updated { get; set; }
    public long Unchanged { get; set; }
    public long Archived { get; set; }
    public long Removed { get; set; }
    public long Restored { get; set; }
    public long Skipped { get; set; }

    public void Add(string action, long n = 1)
    {
        switch (action)
        {
            case ChangeActions.Created: Created += n; break;
            case ChangeActions.Updated: Updated += n; break;
            case ChangeActions.Unchanged: Unchanged += n; break;
            case ChangeActions.Archived: Archived += n; break;
            case ChangeActions.Removed: Removed += n; break;
            case ChangeActions.Restored: Restored += n; break;
            case ChangeActions.Skipped: Skipped += n; break;
        }
    }
}

public sealed class RunChange
{
    public long Id { get; set; }
    public Guid RunId { get; set; }
    public Guid DistrictId { get; set; }
    public required string Entity { get; set; }
    public Guid? RecordId { get; set; }
    public string? SourceId { get; set; }
    public required string Action { get; set; }
    public string? Field { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public string? Rule { get; set; }
}

public sealed class RunIssue
{
    public long Id { get; set; }
    public Guid RunId { get; set; }
    public Guid DistrictId { get; set; }
    public required string Severity { get; set; }
    public string? Rule { get; set; }
    public string? Entity { get; set; }
    public string? SourceId { get; set; }
    public string? File { get; set; }
    public int? Row { get; set; }
    public required string Message { get; set; }
}
