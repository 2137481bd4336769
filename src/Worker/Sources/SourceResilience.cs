using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using RosterSync.Worker.Runs;

namespace RosterSync.Worker.Sources;

/// <summary>
/// The Polly pipeline around every source HTTP call, outermost first: retry with exponential backoff and jitter
/// (5xx, 408, 429, attempt timeouts, connection errors; a 429's Retry-After or X-RateLimit-Reset is honoured), a
/// circuit breaker per district source, then a timeout per attempt. 401 and 403 are never retried. The total budget
/// of a read spans many calls, so it is a cancellation token (<see cref="ConfiguredSourceReader"/>), not a strategy.
/// </summary>
public static class SourceResilience
{
    /// <summary>Request option naming the district source a call belongs to: each key gets its own pipeline, so its own circuit.</summary>
    public const string Key = "rostersync.source";

    private static readonly HttpRequestOptionsKey<string> OptionKey = new(Key);

    public static IHttpClientBuilder AddSourceResilience(this IHttpClientBuilder builder, string name)
    {
        // The attempt timeout and the run budget bound every call; HttpClient's own 100 s would cut retries short.
        builder.ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddResilienceHandler(name, (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<SourcesOptions>>().Value;
            var clock = context.ServiceProvider.GetRequiredService<TimeProvider>();
            if (options.MaxRetries > 0)
            {
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.RetryDelay,
                    MaxDelay = options.MaxRetryDelay,
                    ShouldRetryAfterHeader = false,
                    DelayGenerator = args => ValueTask.FromResult(ServerDelay(args.Outcome.Result, clock, options.MaxRetryDelay)),
                    OnRetry = _ =>
                    {
                        RunMetrics.SourceRetry(name);
                        return ValueTask.CompletedTask;
                    },
                });
            }

            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakDuration,
            });
            pipeline.AddTimeout(options.AttemptTimeout);
        }).SelectPipelineBy(_ => request => request.Options.TryGetValue(OptionKey, out var key) ? key : "");
        builder.AddHttpMessageHandler(() => new SourceMetricsHandler(name));
        return builder;
    }

    /// <summary>
    /// The wait a rate-limited (429) or unavailable (503) response asks for: Retry-After (seconds or a date), or
    /// Clever's X-RateLimit-Reset (Unix seconds), capped; null lets the backoff decide.
    /// </summary>
    public static TimeSpan? ServerDelay(HttpResponseMessage? response, TimeProvider clock, TimeSpan max)
    {
        if (response?.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        TimeSpan? wait = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - now,
            _ => response.Headers.TryGetValues("X-RateLimit-Reset", out var values)
                && long.TryParse(values.FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var reset)
                    ? DateTimeOffset.FromUnixTimeSeconds(reset) - now
                    : null,
        };
        return wait is null ? null : wait < TimeSpan.Zero ? TimeSpan.Zero : wait > max ? max : wait;
    }
}
