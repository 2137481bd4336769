using Cronos;
using RosterSync.Domain.Model;

namespace RosterSync.ServiceDefaults;

/// <summary>Reading the schedule members of the sync settings (SPEC §5); the Api validates with these, the Worker evaluates.</summary>
public static class Schedules
{
    public const string DefaultTimeZone = "UTC";

    /// <summary>A five-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 2 * * *".</summary>
    public static bool TryParse(string? expression, out CronExpression? cron)
    {
        cron = null;
        if (string.IsNullOrWhiteSpace(expression)) return false;
        try
        {
            cron = CronExpression.Parse(expression.Trim(), CronFormat.Standard);
            return true;
        }
        catch (CronFormatException)
        {
            return false;
        }
    }

    /// <summary>An IANA time zone id known to this machine's time zone database (e.g. "America/New_York", "UTC").</summary>
    public static bool TryFindTimeZone(string? id, out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(id)) return false;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
        // A Windows id ("Eastern Standard Time") is found too, converted: the settings speak IANA only.
        return zone.HasIanaId;
    }
}

/// <summary>
/// A district's schedule: its cron expression read in its time zone, and its pauses. Pure: every time is passed in.
/// Daylight saving, as Cronos evaluates local times: a time that does not exist on the spring-forward day (02:30 in
/// New York) fires once, at the first instant after the gap (03:00 EDT); a time that occurs twice on the fall-back day
/// (01:30) fires once, at its first occurrence (EDT). A 2 a.m. schedule therefore stays at 2 a.m. local on every day.
/// </summary>
public sealed record DistrictSchedule(CronExpression Cron, TimeZoneInfo Zone, IReadOnlyList<SchedulePause> Pauses)
{
    /// <summary>The district's schedule, or null when it has none (or one the Api would not have accepted).</summary>
    public static DistrictSchedule? From(SyncSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Schedules.TryParse(settings.Schedule, out var cron) && Schedules.TryFindTimeZone(settings.ScheduleTimeZone, out var zone)
            ? new DistrictSchedule(cron!, zone!, settings.Pauses)
            : null;
    }

    /// <summary>The latest due time in (from, to], in UTC, unless it falls in a pause.</summary>
    public DateTimeOffset? DueBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var last = Cron.GetOccurrences(from, to, Zone, fromInclusive: false, toInclusive: true)
            .Select(d => (DateTimeOffset?)d.ToUniversalTime()).LastOrDefault();
        return last is { } due && !IsPaused(due) ? due : null;
    }

    /// <summary>The first due time after <paramref name="instant"/>, in UTC, paused or not.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant) => Cron.GetNextOccurrence(instant, Zone)?.ToUniversalTime();

    /// <summary>Whether the local date of <paramref name="instant"/> is in a pause (both ends inclusive).</summary>
    public bool IsPaused(DateTimeOffset instant)
    {
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);
        return Pauses.Any(p => p.From <= day && day <= p.To);
    }

    /// <summary>
    /// When attempt <paramref name="failedAttempt"/> + 1 of the run due at <paramref name="dueAt"/> should be queued, after
    /// attempt <paramref name="failedAttempt"/> failed transiently at <paramref name="failedAt"/>: the first retry after
    /// <paramref name="firstDelay"/>, each further one three times later (5, 15, 45 min). Null when no retry is left or
    /// when it would not come before the next due time (which runs anyway), or would fall in a pause.
    /// </summary>
    public DateTimeOffset? RetryAt(DateTimeOffset dueAt, int failedAttempt, DateTimeOffset failedAt, int maxRetries, TimeSpan firstDelay)
    {
        if (failedAttempt > maxRetries) return null;
        var at = failedAt + firstDelay * Math.Pow(3, failedAttempt - 1);
        return NextAfter(dueAt) is { } next && at >= next || IsPaused(at) ? null : at;
    }
}
