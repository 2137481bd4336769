using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RosterSync.Worker.Tests.Sources;

/// <summary>
/// A small ASP.NET Core app on http://127.0.0.1:&lt;random port&gt; inside the test process, serving a source's real
/// wire format. Each test registers its own tenant (a district's data, credentials and faults), so tests sharing
/// one server never see each other's data.
/// </summary>
public abstract class FakeServer : IAsyncLifetime
{
    private WebApplication _app = null!;

    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        Map(_app);
        await _app.StartAsync();
        Address = new Uri(_app.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    protected abstract void Map(WebApplication app);

    /// <summary>
    /// Logs the request on the tenant and plays the fault scripted for its index: waits (a hung page) and/or answers
    /// an error status. True when the fault answered and the request is done.
    /// </summary>
    protected static async Task<bool> FaultAsync(HttpContext http, FakeTenant tenant)
    {
        var index = tenant.Log(http.Request);
        if (tenant.Faults(index) is not { } fault)
        {
            return false;
        }

        if (fault.Delay is { } delay)
        {
            try
            {
                await Task.Delay(delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        }

        if (fault.Status == 0)
        {
            return false;
        }

        http.Response.StatusCode = fault.Status;
        if (fault.RetryAfter is { } retryAfter) http.Response.Headers.RetryAfter = retryAfter;
        http.Response.ContentType = "text/html";
        await http.Response.WriteAsync($"<html><body><h1>{fault.Status}</h1></body></html>");
        return true;
    }
}

/// <summary>What a fake answers instead of data: an HTTP status (0 = answer normally) after an optional delay.</summary>
public sealed record Fault(int Status = 0, TimeSpan? Delay = null, string? RetryAfter = null)
{
    public static Fault Error(int status) => new(status);

    public static Fault TooManyRequests(int retryAfterSeconds) =>
        new(429, RetryAfter: retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A page that answers only after <paramref name="delay"/>: longer than the Worker's attempt timeout, it times out.</summary>
    public static Fault Hang(TimeSpan delay) => new(Delay: delay);
}

/// <summary>One district's view of a fake source: the requests it received and the faults scripted by request index.</summary>
public abstract class FakeTenant
{
    private int _requests = -1;

    /// <summary>Request index (0-based, per tenant) → the fault to play, or null to answer normally.</summary>
    public Func<int, Fault?> Faults { get; set; } = _ => null;

    public ConcurrentQueue<(DateTimeOffset At, string Method, string PathAndQuery, string? Authorization)> Requests { get; } = new();

    public int Log(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Requests.Enqueue((DateTimeOffset.UtcNow, request.Method, request.Path + request.QueryString, request.Headers.Authorization.ToString()));
        return Interlocked.Increment(ref _requests);
    }
}
