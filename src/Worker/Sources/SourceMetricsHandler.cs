using System.Diagnostics;
using RosterSync.Worker.Runs;

namespace RosterSync.Worker.Sources;

/// <summary>Inside the resilience handler, so each attempt to a source is timed on its own (rostersync.source.request.duration).</summary>
public sealed class SourceMetricsHandler(string source) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var status = 0;
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            status = (int)response.StatusCode;
            return response;
        }
        finally
        {
            RunMetrics.SourceRequest(source, status, Stopwatch.GetElapsedTime(started));
        }
    }
}
