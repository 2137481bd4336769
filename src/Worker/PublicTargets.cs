using System.Net;
using System.Net.Sockets;
using RosterSync.Domain;

namespace RosterSync.Worker;

/// <summary>
/// The HTTP handler of every client that calls a district's URLs (webhooks, SIS exports): no redirects (a redirect could lead
/// past the address check) and, unless the operator allows private targets, public addresses only, checked on the address
/// actually connected to, so a name that resolves inward is refused whatever it resolved to when the URL was written.
/// </summary>
public static class PublicTargets
{

    public static SocketsHttpHandler Handler(bool allowPrivateTargets) => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = allowPrivateTargets ? null : ConnectPublicAsync,
    };

    private static async ValueTask<Stream> ConnectPublicAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = (await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct)).Where(TargetUrlRules.IsPublic).ToArray();
        if (addresses.Length == 0) throw new TargetRefusedException();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>The target's host resolves to no public address and private targets are not allowed: nothing was sent, and trying again will not help.</summary>
public sealed class TargetRefusedException() : HttpRequestException(HttpRequestError.ConnectionError, "The target host resolves to no public address; refused.");
