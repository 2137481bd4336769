namespace RosterSync.Domain.Events;

/// <summary>
/// A run reaching an outcome a front end cares about (succeeded, failed, awaiting-approval, cancelled), written by the
/// database trigger on sync_runs in the transaction that changed the status, so the event commits with the run's changes.
/// </summary>
public sealed class RunEvent
{
    public Guid DistrictId { get; set; }
    /// <summary>The district's event sequence (<see cref="EventSequence"/>), shared with manual_changes.</summary>
    public long Seq { get; set; }
    public Guid RunId { get; set; }
    public required string Status { get; set; }
    /// <summary>The run's counts (jsonb) and error as they were at that moment.</summary>
    public required string Counts { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
}

/// <summary>
/// The last event sequence number of a district. A writer takes the next number by updating this row, and holds its lock
/// until it commits: numbers are handed out in commit order, so a reader never sees a number after one still to commit.
/// </summary>
public sealed class EventSequence
{
    public Guid DistrictId { get; set; }
    public long LastSeq { get; set; }

    /// <summary>
    /// Every event up to this number has passed the retention and its run_events row is purged (EventRetention): a cursor before it
    /// answers 410 although the rows that would show it are gone.
    /// </summary>
    public long ExpiredSeq { get; set; }
}
