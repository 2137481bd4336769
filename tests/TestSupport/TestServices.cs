using System.Net.Sockets;
using DotNet.Testcontainers.Containers;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace RosterSync.TestSupport;

/// <summary>
/// The real services tests run against, chosen once per test process: Testcontainers when a Docker engine
/// answers, otherwise the locally started services (deploy/start-services.sh) named by ROSTERSYNC_TEST_POSTGRES
/// and ROSTERSYNC_TEST_RABBITMQ. A missing service fails loudly, never skips.
/// </summary>
public static class TestServices
{
    private static readonly Lazy<bool> Docker = new(DockerAnswers);
    private static readonly Lazy<RabbitMqContainer> RabbitMqServer = new(() => new RabbitMqBuilder("rabbitmq:3.10-management").Build());

    public static readonly Lazy<Task<string>> Postgres = new(async () => Docker.Value
        ? await StartAsync(new PostgreSqlBuilder("postgres:15-alpine").Build(), c => c.GetConnectionString())
        : Env("ROSTERSYNC_TEST_POSTGRES") ?? throw Missing("ROSTERSYNC_TEST_POSTGRES"));

    /// <summary>An amqp:// URI of a broker whose user may create virtual hosts.</summary>
    public static readonly Lazy<Task<Uri>> RabbitMq = new(async () => new Uri(Docker.Value
        ? await StartAsync(RabbitMqServer.Value, c => c.GetConnectionString())
        : Env("ROSTERSYNC_TEST_RABBITMQ") ?? throw Missing("ROSTERSYNC_TEST_RABBITMQ")));

    /// <summary>The broker container when Testcontainers runs it; null when the broker is the local one.</summary>
    public static RabbitMqContainer? BrokerContainer => Docker.Value ? RabbitMqServer.Value : null;


    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    /// <summary>A Docker engine answers its ping on the local socket (a client binary alone is not an engine).</summary>
    private static bool DockerAnswers()
    {
        const string socket = "/var/run/docker.sock";
        if (!File.Exists(socket)) return false;
        try
        {
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                },
            };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(3) };
            return client.GetAsync(new Uri("http://docker/_ping")).GetAwaiter().GetResult().IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<string> StartAsync<T>(T container, Func<T, string> connection) where T : IContainer
    {
        await container.StartAsync();
        return connection(container);
    }

    private static InvalidOperationException Missing(string variable) => new(
        $"No Docker engine and {variable} is unset: run `sudo deploy/start-services.sh` and source .local/services.env, or use ./test.sh.");
}
