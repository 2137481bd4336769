using System.Diagnostics;

namespace RosterSync.TestSupport;

/// <summary>
/// A RabbitMQ virtual host per fixture, so fixtures never consume each other's messages. Created with
/// rabbitmqctl: in the broker container, or on the local broker (tests run as root, as ./test.sh does).
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    public required Uri Server { get; init; }
    public required string VirtualHost { get; init; }
    public string Host => Server.Host;
    public int Port => Server.Port > 0 ? Server.Port : 5672;
    public string Username => Uri.UnescapeDataString(Server.UserInfo.Split(':')[0]);
    public string Password => Uri.UnescapeDataString(Server.UserInfo.Split(':').ElementAtOrDefault(1) ?? "");

    /// <summary>Configuration keys for the hosts' RabbitMqOptions.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("RabbitMq:Host", Host), new("RabbitMq:Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("RabbitMq:VirtualHost", VirtualHost), new("RabbitMq:Username", Username), new("RabbitMq:Password", Password),
    ];

    public static async Task<TestBroker> CreateAsync()
    {
        var server = await TestServices.RabbitMq.Value;
        var vhost = $"rs-test-{Guid.NewGuid():N}";
        await RabbitMqCtlAsync("add_vhost", vhost);
        await RabbitMqCtlAsync("set_permissions", "-p", vhost, Uri.UnescapeDataString(server.UserInfo.Split(':')[0]), ".*", ".*", ".*");
        return new TestBroker { Server = server, VirtualHost = vhost };
    }

    public async ValueTask DisposeAsync() => await RabbitMqCtlAsync("delete_vhost", VirtualHost);

    /// <summary>Stops the broker application (the node stays up), as in an outage.</summary>
    public static Task StopBrokerAsync() => RabbitMqCtlAsync("stop_app");

    public static async Task StartBrokerAsync()
    {
        await RabbitMqCtlAsync("start_app");
        await RabbitMqCtlAsync("await_startup");
    }

    /// <summary>rabbitmqctl inside the broker container under Testcontainers, else on this machine.</summary>
    public static async Task RabbitMqCtlAsync(params string[] args)
    {
        await TestServices.RabbitMq.Value;
        if (TestServices.BrokerContainer is { } container)
        {
            var result = await container.ExecAsync(["rabbitmqctl", .. args]);
            if (result.ExitCode != 0)
                throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}");
            return;
        }
        var start = new ProcessStartInfo("rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmqctl did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
    }
}
