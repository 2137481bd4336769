using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using Microsoft.Extensions.DependencyInjection;
using StandardWebhooks.Diagnostics;
using Xunit;

namespace RosterSync.TestSupport;

/// <summary>
/// A webhook receiver on 127.0.0.1, as an integrator would write one: every request's signature is checked with the reference
/// StandardWebhooks library against each secret it holds, before it answers. <see cref="Answers"/> scripts its answers in order
/// (then 204 for ever). <see cref="HoldNext"/> keeps the next verified request open, unanswered, until released or until the
/// sender goes away (a killed Worker): what a Worker sees of a receiver that is slow to answer.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string? RetryAfter)> _answers = new();
    private TaskCompletionSource? _hold;

    /// <summary>A request held by <see cref="HoldNext"/>, never answered: <see cref="Received.AnsweredWith"/>.</summary>
    public const int Unanswered = 0;

    public sealed record Received(DateTimeOffset At, string MessageId, string Signature, string Body, int AnsweredWith, IReadOnlyList<string> VerifiedWith)
    {
        public JsonElement Events => JsonDocument.Parse(Body).RootElement.GetProperty("data").GetProperty("events");
    }

    public ConcurrentQueue<Received> Requests { get; } = new();
    /// <summary>The secrets the receiver knows; a request must verify with at least one or it is answered 400.</summary>
    public ConcurrentDictionary<string, string> Secrets { get; } = new();
    public string Url { get; private set; } = "";

    private WebhookReceiver(WebApplication app) => _app = app;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var verified = receiver.Secrets.Where(s => Verifies(s.Value, body, request.Headers)).Select(s => s.Key).ToList();
            if (verified.Count > 0 && Interlocked.Exchange(ref receiver._hold, null) is { } hold)
            {
                receiver.Requests.Enqueue(new Received(DateTimeOffset.UtcNow, request.Headers["webhook-id"].ToString(),
                    request.Headers["webhook-signature"].ToString(), body, Unanswered, verified));
                await Task.WhenAny(hold.Task, Task.Delay(Timeout.Infinite, request.HttpContext.RequestAborted));
                request.HttpContext.Abort();
                return Results.Empty;
            }
            var (status, retryAfter) = verified.Count == 0 ? (400, null) : receiver._answers.TryDequeue(out var next) ? next : (204, null);
            receiver.Requests.Enqueue(new Received(DateTimeOffset.UtcNow, request.Headers["webhook-id"].ToString(),
                request.Headers["webhook-signature"].ToString(), body, status, verified));
            if (retryAfter is not null) request.HttpContext.Response.Headers.RetryAfter = retryAfter;
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = address + "/hook";
        return receiver;
    }

    public void Answers(params (int Status, string? RetryAfter)[] answers)
    {
        foreach (var answer in answers) _answers.Enqueue(answer);
    }

    /// <summary>Holds the next verified request open without an answer; the returned source releases it (the connection is then aborted).</summary>
    public TaskCompletionSource HoldNext()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hold = hold;
        return hold;
    }

    /// <summary>Waits until a request satisfies <paramref name="done"/>, or fails the test after <paramref name="seconds"/>.</summary>
    public async Task<IReadOnlyList<Received>> WaitAsync(Func<IReadOnlyList<Received>, bool> done, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!done([.. Requests]))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The receiver did not get what the test waited for; it got {Requests.Count} requests.");
            await Task.Delay(100);
        }
        return [.. Requests];
    }

    /// <summary>
    /// Each <c>v1,</c> entry of the signature header is verified on its own: StandardWebhooks 1.1.2 checks only the first entry of a
    /// header that lists several (a rotation signs with the new and the old secret), so a whole-header check would not test the second.
    /// </summary>
    private static bool Verifies(string secret, string body, IHeaderDictionary headers) =>
        headers["webhook-signature"].ToString().Split(' ').Any(entry =>
        {
            var single = new HeaderDictionary
            {
                ["webhook-id"] = headers["webhook-id"], ["webhook-timestamp"] = headers["webhook-timestamp"], ["webhook-signature"] = entry,
            };
            try
            {
                new StandardWebhook(secret).Verify(body, single);
                return true;
            }
            catch (WebhookVerificationException)
            {
                return false;
            }
        });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
