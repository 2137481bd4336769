using Cronos;

namespace RosterSync.ServiceDefaults;

/// <summary>District sync schedules are five-field cron expressions in UTC (SPEC §5), e.g. "0 2 * * *".</summary>
public static class Schedules
{
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

    /// <summary>The latest time the schedule fired in (from, to], if any.</summary>
    public static DateTimeOffset? LastFireBetween(CronExpression cron, DateTimeOffset from, DateTimeOffset to) =>
        cron.GetOccurrences(from.UtcDateTime, to.UtcDateTime, fromInclusive: false, toInclusive: true)
            .Select(d => (DateTimeOffset?)new DateTimeOffset(d, TimeSpan.Zero)).LastOrDefault();
}
