using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace RosterSync.TestSupport;

/// <summary>
/// The real services tests run against, chosen once per test process: Testcontainers when a Docker
/// engine answers, otherwise the locally started services (deploy/start-services.sh) named by
/// ROSTERSYNC_TEST_POSTGRES and ROSTERSYNC_TEST_RABBITMQ. A missing service fails loudly, never skips.
/// </summary>
public static class TestServices
{
    public static readonly Lazy<Task<string>> Postgres = new(async () =>
        Env("ROSTERSYNC_TEST_POSTGRES") ?? (DockerAnswers()
            ? await StartAsync(new PostgreSqlBuilder("postgres:15-alpine").Build(), c => c.GetConnectionString())
            : throw Missing("ROSTERSYNC_TEST_POSTGRES")));

    /// <summary>An amqp:// URI of a broker whose guest account may create vhosts.</summary>
    public static readonly Lazy<Task<Uri>> RabbitMq = new(async () =>
        new Uri(Env("ROSTERSYNC_TEST_RABBITMQ") ?? (DockerAnswers()
            ? await StartAsync(new RabbitMqBuilder("rabbitmq:3.10-management").Build(), c => c.GetConnectionString())
            : throw Missing("ROSTERSYNC_TEST_RABBITMQ"))));

    /// <summary>True when the broker is the locally managed one that rabbitmqctl can stop and start.</summary>
    public static bool RabbitMqIsLocal => Env("ROSTERSYNC_TEST_RABBITMQ") is not null;

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    private static bool DockerAnswers() =>
        Env("DOCKER_HOST") is not null || File.Exists("/var/run/docker.sock");

    private static async Task<string> StartAsync<T>(T container, Func<T, string> connection)
        where T : DotNet.Testcontainers.Containers.IContainer
    {
        await container.StartAsync();
        return connection(container);
    }

    private static InvalidOperationException Missing(string variable) => new(
        $"No Docker engine and {variable} is unset: run `sudo deploy/start-services.sh` and source .local/services.env, or use ./test.sh.");
}
