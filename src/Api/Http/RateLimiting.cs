using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using RosterSync.Api.Auth;

namespace RosterSync.Api.Http;

public sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    /// <summary>Requests per key per fixed minute; Clever's published limit by default. Benchmarks raise it.</summary>
    [Range(1, int.MaxValue)]
    public int PermitsPerMinute { get; set; } = 1200;
}

/// <summary>
/// One fixed one-minute window per api key (anonymous callers per address). A refusal is a 429 problem with
/// Retry-After; ASP.NET's limiter would answer a bare 503.
/// </summary>
public static class RateLimiting
{
    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, options) =>
        {
            var permits = options.Value.PermitsPerMinute;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                RateLimitPartition.GetFixedWindowLimiter(
                    http.User.Partition() ?? "anonymous:" + http.Connection.RemoteIpAddress,
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new()
                {
                    HttpContext = http,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests, Type = ProblemTypes.RateLimited, Title = "Too many requests",
                        Detail = $"At most {permits} requests per minute per key.",
                    },
                });
            };
        });
        return services;
    }
}
