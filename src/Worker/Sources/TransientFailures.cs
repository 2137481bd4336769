using System.Net;
using System.Net.Sockets;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Renci.SshNet.Common;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources;

/// <summary>
/// The one place that says whether a failed read may succeed when tried again later (SPEC §5: a scheduled run that
/// failed on a transient source error is retried). Transient: the network, a timeout, an open circuit, 408, 429, 5xx.
/// Not: a rejected login, a missing resource, a wrong host key, an unreadable or corrupt file, anything unknown.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SourceReadException { Status: { } status }:
                    return IsTransient(status);
                case HttpRequestException { StatusCode: { } status }:
                    return IsTransient(status);
                case HttpRequestException or SocketException or TimeoutException or TimeoutRejectedException or BrokenCircuitException
                    or SshOperationTimeoutException or OperationCanceledException:
                    return true;
                case SshException:
                    return false;
            }
        }
        return false;
    }

    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
}
