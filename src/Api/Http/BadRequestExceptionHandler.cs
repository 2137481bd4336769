using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace RosterSync.Api.Http;

/// <summary>
/// A request the framework could not read (malformed JSON, a query value of the wrong type, a body over the size
/// limit) becomes a problem with the status the framework chose, instead of an empty 400 or a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;
        httpContext.Response.StatusCode = bad.StatusCode;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = bad.StatusCode,
            Type = ProblemTypes.ForStatus(bad.StatusCode),
            Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large" : "The request could not be read",
            Detail = bad.InnerException is JsonException { Path: { } path } ? $"{bad.Message} (at {path})" : bad.Message,
        };
        return await problems.TryWriteAsync(new() { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }
}
