using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace RosterSync.Api.Http;

/// <summary>
/// R30: while PostgreSQL is unreachable (refused, cut, timed out, shutting down, out of connections) a request answers
/// 503 with Retry-After, a problem a client can wait out, not a 500. Npgsql opens connections on demand, so the Api
/// recovers by itself once the database answers again.
/// </summary>
internal sealed partial class UnavailableExceptionHandler(IProblemDetailsService problems, ILogger<UnavailableExceptionHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsDatabaseUnavailable(exception)) return false;
        LogUnavailable(logger, exception.GetType().Name, exception.InnerException?.GetType().Name);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Type = ProblemTypes.Unavailable,
            Title = "The roster database is unavailable",
            Detail = $"Try again in {RetryAfterSeconds} seconds; nothing of this request was saved unless a later read shows it.",
        };
        return await problems.TryWriteAsync(new() { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>A failure to reach PostgreSQL, at any depth (EF wraps Npgsql's in DbUpdateException and others).</summary>
    public static bool IsDatabaseUnavailable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // admin_shutdown, crash_shutdown, cannot_connect_now (starting up or recovering), too_many_connections
                case PostgresException p:
                    return p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                        or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException { InnerException: SocketException or IOException or TimeoutException }:
                    return true;
            }
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL is unavailable ({Exception}: {Inner}); answered 503")]
    private static partial void LogUnavailable(ILogger logger, string exception, string? inner);
}
