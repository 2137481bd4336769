using System.ComponentModel.DataAnnotations;

namespace RosterSync.Worker.Sources;

/// <summary>
/// What every pulled source (Clever, ClassLink, SFTP) shares: the hosts an operator allows, the time budget of one
/// read, and the resilience of each call. Tests shorten the delays; production keeps the defaults.
/// </summary>
public sealed class SourcesOptions
{
    public const string Section = "Sources";

    /// <summary>
    /// Hosts a district's source may point at: exact names or addresses ("api.clever.com", "10.0.0.5") or a
    /// leading wildcard ("*.oneroster.com"). Empty (the default) allows any host.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>The longest one read of a source may take, retries and waits included; then the run fails (R22).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RunBudget { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Retries of one call after a 5xx, 408, 429, timeout or connection error.</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>The first backoff delay; it doubles on every retry, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Caps the backoff and a server's Retry-After (or X-RateLimit-Reset) wait.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long one HTTP attempt may take before it is abandoned and retried (Clever itself gives up at 120 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:30:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Share of failed calls within <see cref="BreakerSamplingDuration"/> that opens a district source's circuit.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.8;

    /// <summary>Calls within <see cref="BreakerSamplingDuration"/> before the failure ratio counts.</summary>
    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an open circuit refuses calls to that district's source before one is tried again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Why a source may not use <paramref name="host"/>; null when it may.</summary>
    public string? CheckHost(string host) => AllowsHost(host)
        ? null
        : $"The host '{host}' is not among the hosts the operator allows sources to use (Sources:AllowedHosts).";

    public bool AllowsHost(string host) =>
        AllowedHosts.Count == 0 || AllowedHosts.Exists(allowed => allowed.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(allowed, host, StringComparison.OrdinalIgnoreCase));
}
