using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace RosterSync.TestSupport;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of one service (PostgreSQL, RabbitMQ), for fault tests with real processes:
/// point a process at <see cref="Port"/> instead of the service's port. <see cref="CutAsync"/> closes every open
/// connection and from then on closes each new one as soon as it is accepted (the client sees a reset, as when the
/// service is down); <see cref="Restore"/> forwards again. The service itself is never touched.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Pipe, byte> _open = new();
    private readonly Task _accepting;
    private volatile bool _cut;

    public TcpFaultProxy(string targetHost, int targetPort)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetHost);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetPort);
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stopping.Token);
    }

    /// <summary>The address clients connect to: 127.0.0.1.</summary>
    public string Host => ((IPEndPoint)_listener.LocalEndpoint).Address.ToString();

    /// <summary>The port on 127.0.0.1 that clients connect to.</summary>
    public int Port { get; }

    public bool IsCut => _cut;

    /// <summary>Connections forwarded right now.</summary>
    public int OpenConnections => _open.Count;

    /// <summary>Closes every open connection (with a reset) and refuses new ones until <see cref="Restore"/>.</summary>
    public async Task CutAsync()
    {
        _cut = true;
        await Task.WhenAll(_open.Keys.Select(p => p.CloseAsync()));
    }

    /// <summary>Forwards new connections again.</summary>
    public void Restore() => _cut = false;

    public async ValueTask DisposeAsync()
    {
        _cut = true;
        await _stopping.CancelAsync();
        _listener.Stop();
        try { await _accepting; }
        catch (OperationCanceledException) { }
        await Task.WhenAll(_open.Keys.Select(p => p.CloseAsync()));
        _stopping.Dispose();
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(ct); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            if (_cut)
            {
                Reset(client);
                continue;
            }
            _ = ForwardAsync(client, ct);
        }
    }

    private async Task ForwardAsync(Socket client, CancellationToken ct)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, ct);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Reset(client);
            server.Dispose();
            return;
        }
        var pipe = new Pipe(client, server);
        _open.TryAdd(pipe, 0);
        // A cut that began while this connection was being made must not let it through.
        if (_cut) await pipe.CloseAsync();
        else await pipe.RunAsync(ct);
        _open.TryRemove(pipe, out _);
    }

    /// <summary>Closes with RST (linger 0), so the peer sees the connection fail rather than end cleanly.</summary>
    private static void Reset(Socket socket)
    {
        try { socket.LingerState = new LingerOption(true, 0); } catch (SocketException) { } catch (ObjectDisposedException) { }
        socket.Dispose();
    }

    /// <summary>One forwarded connection: bytes copied both ways until either side ends or it is closed.</summary>
    private sealed class Pipe(Socket client, Socket server)
    {
        private int _closing;

        /// <summary>Until either side ends, the proxy stops, or <see cref="CloseAsync"/> disposes both sockets.</summary>
        public async Task RunAsync(CancellationToken ct)
        {
            await Task.WhenAny(CopyAsync(client, server, ct), CopyAsync(server, client, ct));
            await CloseAsync();
        }

        public Task CloseAsync()
        {
            if (Interlocked.Exchange(ref _closing, 1) == 1) return Task.CompletedTask;
            Reset(client);
            Reset(server);
            return Task.CompletedTask;
        }

        private static async Task CopyAsync(Socket from, Socket to, CancellationToken ct)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, ct);
                    if (read == 0) return;
                    var sent = 0;
                    while (sent < read) sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, ct);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}
