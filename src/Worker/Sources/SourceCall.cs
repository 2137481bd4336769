using System.Net;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Refit;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources;

/// <summary>
/// One kind of call to a source, and how its failures read to an admin. <see cref="SendAsync{T}"/> returns a
/// successful response or throws a <see cref="SourceReadException"/> that says in words what failed (R22); the
/// messages name the source and the resource, never a secret.
/// </summary>
/// <param name="Source">The source as admins know it: "Clever", "ClassLink".</param>
/// <param name="Rejected">The message for a 401 or 403: what the admin has to fix.</param>
/// <param name="Retries">How many retries the pipeline made before giving up, for the message.</param>
public sealed record SourceCall(string Source, Func<HttpStatusCode, string> Rejected, int Retries)
{
    /// <param name="renewCredentials">
    /// On a 401, drops credentials that can be fetched again (an OAuth2 access token the source revoked before it
    /// expired) and answers true; the call is then made once more, and a second 401 fails as any other.
    /// </param>
    public async Task<ApiResponse<T>> SendAsync<T>(string resource, Func<Task<ApiResponse<T>>> call, CancellationToken ct, Func<bool>? renewCredentials = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(call);
        ApiResponse<T> response;
        try
        {
            response = await call();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is ApiExceptionBase or HttpRequestException or TimeoutRejectedException or BrokenCircuitException or OperationCanceledException)
        {
            throw Unreachable(resource, e);
        }

        if (response.HasRequestError(out var requestError))
        {
            response.Dispose();
            ct.ThrowIfCancellationRequested();
            throw Unreachable(resource, requestError.InnerException ?? requestError);
        }

        if (!response.IsSuccessStatusCode)
        {
            var status = response.StatusCode.GetValueOrDefault();
            response.Dispose();
            if (status == HttpStatusCode.Unauthorized && renewCredentials?.Invoke() == true) return await SendAsync(resource, call, ct);
            throw new SourceReadException(Failed(resource, status)) { Status = status };
        }

        if (response.Error is not null || response.Content is null)
        {
            response.Dispose();
            throw new SourceReadException($"{Source} answered {resource} with a body that is not the expected JSON.");
        }

        return response;
    }

    private string Failed(string resource, HttpStatusCode status) => (int)status switch
    {
        401 or 403 => Rejected(status),
        404 => $"{Source} answered 404 Not Found for {resource}: check the base URL in sync-settings.",
        429 => $"{Source} kept answering 429 Too Many Requests for {resource} after {Retries} retries (rate limited); try again later.",
        >= 500 => $"{Source} answered {(int)status} {ReasonPhrase(status)} for {resource} after {Retries} retries; the source is failing, try again later.",
        _ => $"{Source} answered {(int)status} {ReasonPhrase(status)} for {resource}.",
    };

    private SourceReadException Unreachable(string resource, Exception e) => new(e switch
    {
        BrokenCircuitException => $"{Source} failed repeatedly for this district, so calls to it are paused for a while (circuit open); try again later.",
        TimeoutRejectedException or OperationCanceledException => $"{Source} did not answer {resource} in time, {Retries + 1} attempts.",
        HttpRequestException http => $"{Source} could not be reached for {resource} after {Retries} retries: {http.Message}",
        _ => $"The call to {Source} for {resource} failed: {e.Message}",
    }, e);

    private static string ReasonPhrase(HttpStatusCode status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase((int)status);
}
