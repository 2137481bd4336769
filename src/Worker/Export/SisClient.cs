using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using RosterSync.Domain;
using RosterSync.Domain.Export;

namespace RosterSync.Worker.Export;

/// <summary>How the Worker talks to SIS write APIs (configuration section <c>Export</c>).</summary>
public sealed class ExportOptions
{
    public const string Section = "Export";

    /// <summary>Attempts per request; 429, 5xx and timeouts are retried, other 4xx are not.</summary>
    [Range(1, 20)] public int MaxAttempts { get; set; } = 5;
    /// <summary>The first retry's wait when the target gives no Retry-After; doubled on each retry.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")] public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>The longest wait between attempts, Retry-After included: a target asking for more fails the record instead.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")] public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>One attempt's timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")] public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A target that could not be reached or would not authorize us; nothing was sent.</summary>
public sealed class SisUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// HTTP to an SIS write API: OAuth2 client-credentials tokens cached until shortly before they expire (one token per
/// connection and credentials, shared by every run of this Worker) or a bearer token; each request retried on 429, 5xx and
/// timeouts with backoff that honours Retry-After; answers kept as they came. Logs ids and statuses only.
/// </summary>
public sealed class SisClient(
    IHttpClientFactory httpClients, IOptions<ExportOptions> options, IOptions<ExportTargetOptions> targets, TimeProvider clock, ILogger<SisClient> logger)
{
    public const string HttpClientName = "sis";
    private const int MaxBody = 64 * 1024;
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset RefreshAt)> _tokens = new();

    /// <summary>An absolute URL as it is; a path below the base URL (on Unix a path would otherwise read as an absolute file: URI).</summary>
    public static Uri Resolve(string baseUrl, string url) =>
        !url.StartsWith('/') && Uri.TryCreate(url, UriKind.Absolute, out var absolute) ? absolute
            : new Uri(new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/"), url.TrimStart('/'));

    public async Task<string> GetDocumentAsync(ExportConnection connection, CancellationToken ct)
    {
        using var response = await SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Get, Resolve(connection.BaseUrl, connection.OpenApiUrl)), "openapi", ct);
        if (!response.IsSuccessStatusCode) throw new SisUnavailableException($"The OpenAPI document answered {(int)response.StatusCode}.");
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>Sends one operation's body; the answer as it came (any status), after retries of 429, 5xx and timeouts.</summary>
    public async Task<TargetAnswer> SendAsync(ExportConnection connection, string secret, OperationPayload payload, CancellationToken ct)
    {
        var operation = connection.Operations.Single(o => TargetSchemaReader.Name(o) == payload.Operation);
        var body = payload.Body.ToJsonString();
        for (var renewed = false; ; renewed = true)
        {
            var authorization = await AuthorizationAsync(connection, secret, ct);
            using var response = await SendWithRetriesAsync(() => new HttpRequestMessage(new HttpMethod(operation.Method), Resolve(connection.BaseUrl, operation.Path))
            {
                Headers = { Authorization = authorization },
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            }, payload.Operation, ct);
            // A token the target no longer takes (expired early, revoked): one new token, one more try.
            if (response.StatusCode == HttpStatusCode.Unauthorized && connection.AuthKind == ExportAuthKinds.OAuth2ClientCredentials && !renewed)
            {
                _tokens.TryRemove(TokenKey(connection, secret), out _);
                continue;
            }
            var text = await response.Content.ReadAsStringAsync(ct);
            return new TargetAnswer(payload.Operation, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
                text.Length > MaxBody ? text[..MaxBody] : text, response.Headers.Location?.ToString());
        }
    }

    private async Task<AuthenticationHeaderValue> AuthorizationAsync(ExportConnection connection, string secret, CancellationToken ct)
    {
        if (connection.AuthKind == ExportAuthKinds.Bearer) return new AuthenticationHeaderValue("Bearer", secret);
        var key = TokenKey(connection, secret);
        if (_tokens.TryGetValue(key, out var cached) && cached.RefreshAt > clock.GetUtcNow()) return new AuthenticationHeaderValue("Bearer", cached.Token);

        using var response = await SendWithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Post, Resolve(connection.BaseUrl, connection.TokenUrl!))
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{connection.ClientId}:{secret}"))) },
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        }, "token", ct);
        if (!response.IsSuccessStatusCode)
            throw new SisUnavailableException($"The token endpoint refused the client credentials ({(int)response.StatusCode}).");
        string accessToken;
        TimeSpan lifetime;
        try
        {
            var token = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct));
            accessToken = token?["access_token"]?.GetValue<string>() ?? throw new JsonException("no access_token");
            lifetime = TimeSpan.FromSeconds(token?["expires_in"]?.GetValue<double>() ?? 300);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new SisUnavailableException("The token endpoint answered no OAuth2 token (access_token, expires_in).", e);
        }
        // Refresh a little before the target would refuse it: a fifth of its life, at most 30 s.
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, lifetime.Ticks / 5));
        _tokens[key] = (accessToken, clock.GetUtcNow() + lifetime - margin);
        logger.LogInformation("Export connection {ConnectionId}: new access token, valid {Seconds} s", connection.Id, (int)lifetime.TotalSeconds);
        return new AuthenticationHeaderValue("Bearer", accessToken);
    }

    private static string TokenKey(ExportConnection connection, string secret) =>
        $"{connection.Id}|{connection.ClientId}|{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))}";

    private async Task<HttpResponseMessage> SendWithRetriesAsync(Func<HttpRequestMessage> request, string what, CancellationToken ct)
    {
        var settings = options.Value;
        var client = httpClients.CreateClient(HttpClientName);
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(settings.AttemptTimeout);
            HttpResponseMessage? response = null;
            string failure;
            try
            {
                using var message = request();
                // Checked again at send time: the URL may have been written while private targets were allowed.
                if (TargetUrlRules.Check(message.RequestUri!.AbsoluteUri, targets.Value.AllowPrivateTargets) is { } refused)
                    throw new SisUnavailableException($"{message.RequestUri.GetLeftPart(UriPartial.Path)}: {refused}");
                response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token);
                if (response.StatusCode != HttpStatusCode.TooManyRequests && (int)response.StatusCode < 500) return response;
                failure = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException e) when (e is TargetRefusedException || e.InnerException is TargetRefusedException)
            {
                throw new SisUnavailableException($"{what}: {(e.InnerException ?? e).Message}", e);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or OperationCanceledException)
            {
                failure = e is OperationCanceledException ? "timeout" : "unreachable";
                if (attempt >= settings.MaxAttempts) throw new SisUnavailableException($"The target did not answer ({failure}) after {attempt} attempts.", e);
            }
            var wait = Delay(response, attempt, settings);
            if (attempt >= settings.MaxAttempts || wait > settings.MaxRetryDelay) return response!;
            response?.Dispose();
            logger.LogWarning("SIS request {What} answered {Failure} (attempt {Attempt} of {MaxAttempts}); retrying in {DelayMs} ms",
                what, failure, attempt, settings.MaxAttempts, (long)wait.TotalMilliseconds);
            await Task.Delay(wait, clock, ct);
        }
    }

    /// <summary>Retry-After (seconds or a date) when the target gives it, else exponential backoff with jitter.</summary>
    private TimeSpan Delay(HttpResponseMessage? response, int attempt, ExportOptions settings)
    {
        if (response?.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return delta;
            if (retryAfter.Date is { } date) return date - clock.GetUtcNow() is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        }
        var backoff = settings.RetryBaseDelay * Math.Pow(2, attempt - 1);
        return TimeSpan.FromTicks(Math.Min(settings.MaxRetryDelay.Ticks, (long)(backoff.Ticks * (0.8 + Random.Shared.NextDouble() * 0.4))));
    }

    /// <summary>The target's own error, from RFC 9457 problem details with Ed-Fi's validationErrors (JSON path → messages) where given.</summary>
    public static ExportError ErrorOf(TargetAnswer answer)
    {
        JsonNode? problem = null;
        try { problem = answer.Body.Length > 0 ? JsonNode.Parse(answer.Body) : null; }
        catch (JsonException) { }
        var fields = (problem?["validationErrors"] as JsonObject)?.Where(e => e.Value is JsonArray)
            .ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value!.AsArray().Select(m => m?.ToString() ?? "")]);
        var message = Text(problem, "detail") ?? Text(problem, "title") ?? Text(problem, "message") ?? $"The target answered {answer.Status}.";
        return new ExportError(answer.Operation, answer.Status, Text(problem, "type"), message, fields is { Count: > 0 } ? fields : null);
    }

    private static string? Text(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The SIS's id for what an answer created or updated: the body's <c>id</c>, else the last segment of Location.</summary>
    public static string? IdOf(TargetAnswer answer)
    {
        try
        {
            if (answer.Body.Length > 0 && JsonNode.Parse(answer.Body) is JsonObject body && body["id"] is JsonValue id) return id.ToString();
        }
        catch (JsonException) { }
        return answer.Location is { } location ? location.TrimEnd('/').Split('/')[^1] : null;
    }
}
