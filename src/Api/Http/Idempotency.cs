using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Http;

/// <summary>
/// <c>Idempotency-Key</c> on POSTs that create (SPEC §7): the first successful answer is stored and replayed for a
/// repeat with the same body; a repeat with another body is a 422 problem. A failed first attempt stores nothing,
/// so the client may retry with the same key.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    private const int MaxKeyLength = 200;

    /// <summary>Lets the filter hash a JSON body that model binding has already read.</summary>
    public static IApplicationBuilder UseIdempotencyBuffering(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Headers.ContainsKey(Header) && !context.Request.HasFormContentType)
            context.Request.EnableBuffering();
        return next(context);
    });

    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(FilterAsync).WithMetadata(new IdempotentMetadata())
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.IdempotencyInProgress)
            .ProducesProblems(StatusCodes.Status422UnprocessableEntity, ProblemTypes.IdempotencyKeyReused);

    private static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Request.Headers[Header].ToString() is not { Length: > 0 } key) return await next(context);
        if (key.Length > MaxKeyLength) return Problems.Invalid(Header, $"At most {MaxKeyLength} characters.");

        var db = http.RequestServices.GetRequiredService<RosterDbContext>();
        var ct = http.RequestAborted;
        var scope = http.GetRouteValue("districtId") as string ?? "operator";
        var hash = await RequestHashAsync(http.Request, ct);

        // Reserves the key; a record past its retention, or a reservation its request abandoned, is taken over as if the key were new.
        var now = DateTimeOffset.UtcNow;
        var options = http.RequestServices.GetRequiredService<IOptions<IdempotencyOptions>>().Value;
        var (expired, abandoned) = (now - options.Retention, now - options.InProgressTimeout);
        var reserved = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO idempotency_records (scope, key, request_hash, created_at) VALUES ({scope}, {key}, {hash}, {now})
            ON CONFLICT (scope, key) DO UPDATE
                SET request_hash = excluded.request_hash, created_at = excluded.created_at, status_code = NULL, location = NULL, response_body = NULL
                WHERE idempotency_records.created_at < {expired}
                   OR (idempotency_records.status_code IS NULL AND idempotency_records.created_at < {abandoned})
            """, ct);
        var records = db.IdempotencyRecords.Where(r => r.Scope == scope && r.Key == key);
        if (reserved == 0)
        {
            if (await records.AsNoTracking().SingleOrDefaultAsync(ct) is not { } first)
                return Problems.Conflict(ProblemTypes.IdempotencyInProgress, "A request with this Idempotency-Key is still being handled");
            if (first.RequestHash != hash)
                return TypedResults.Problem(type: ProblemTypes.IdempotencyKeyReused, statusCode: StatusCodes.Status422UnprocessableEntity,
                    title: "Idempotency-Key already used for another request", detail: "Use a new key for a different request.");
            if (first.StatusCode is not { } status)
                return Problems.Conflict(ProblemTypes.IdempotencyInProgress, "A request with this Idempotency-Key is still being handled");
            http.Response.Headers[ReplayedHeader] = "true";
            if (first.Location is not null) http.Response.Headers.Location = first.Location;
            return TypedResults.Text(first.ResponseBody ?? "", "application/json", Encoding.UTF8, status);
        }

        try
        {
            var result = await next(context);
            var inner = result is INestedHttpResult nested ? nested.Result : result;
            if (inner is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 } success)
            {
                var json = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
                var body = inner is IValueHttpResult { Value: { } value } ? JsonSerializer.Serialize(value, value.GetType(), json) : null;
                var location = inner.GetType().GetProperty("Location")?.GetValue(inner) as string;
                await records.ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.StatusCode, success.StatusCode)
                    .SetProperty(r => r.Location, location)
                    .SetProperty(r => r.ResponseBody, body), CancellationToken.None);
            }
            else await records.ExecuteDeleteAsync(CancellationToken.None);
            return result;
        }
        catch
        {
            await records.ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>Method, path and body; for a form, its fields and files' contents, since a multipart boundary differs between retries.</summary>
    private static async Task<string> RequestHashAsync(HttpRequest request, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            foreach (var field in form.OrderBy(f => f.Key, StringComparer.Ordinal))
                sha.AppendData(Encoding.UTF8.GetBytes($"{field.Key}={field.Value}\n"));
            foreach (var file in form.Files.OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                sha.AppendData(Encoding.UTF8.GetBytes($"{file.Name}:{file.FileName}:{file.Length}\n"));
                await using var content = file.OpenReadStream();
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0) sha.AppendData(buffer, 0, read);
            }
        }
        else if (request.Body.CanSeek)
        {
            request.Body.Position = 0;
            var buffer = new byte[81920];
            int read;
            while ((read = await request.Body.ReadAsync(buffer, ct)) > 0) sha.AppendData(buffer, 0, read);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>Marks an operation that accepts Idempotency-Key, so the OpenAPI document lists the header.</summary>
public sealed record IdempotentMetadata;
