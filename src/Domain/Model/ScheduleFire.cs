namespace RosterSync.Domain.Model;

/// <summary>
/// A due time of a district's schedule that a Worker acted on, and the attempt (1 for the due time itself, 2 and up
/// for retries after a transient failure). Its key is inserted once, so across replicas each due time and each retry
/// queues at most one run. <see cref="RunId"/> is null when the district had an open run then (R25).
/// </summary>
public sealed class ScheduleFire
{
    public Guid DistrictId { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public int Attempt { get; set; }
    public Guid? RunId { get; set; }
    public DateTimeOffset FiredAt { get; set; }
}
