using System.ComponentModel.DataAnnotations;

namespace RosterSync.Domain.Events;

/// <summary>The change feed's retention and its collapsing of large runs (docs/events.md).</summary>
public sealed class EventFeedOptions
{
    public const string Section = "Events";

    /// <summary>How long events stay readable; a cursor older than that answers 410 (re-read the roster).</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")] public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A run that changed more records than this (every entity, created to restored) is one <c>sync.run.succeeded</c> event with
    /// <c>rereadRoster: true</c> instead of one event per record: a first import of a district, or a revert of one.
    /// </summary>
    [Range(1, int.MaxValue)] public int BulkRunThreshold { get; set; } = 10_000;

    /// <summary>How often a Worker purges what only the feed and webhooks keep past the retention (EventRetention).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}
