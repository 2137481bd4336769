using System.Diagnostics;
using System.Net;
using Npgsql;
using RosterSync.TestSupport;

namespace RosterSync.Api.Tests;

/// <summary>R30 with a real fault: the Api reaches PostgreSQL through a proxy the test cuts and restores.</summary>
public sealed class PostgresOutageTests(PostgresOutageTests.Factory api) : IClassFixture<PostgresOutageTests.Factory>
{
    public sealed class Factory : FaultProxyFactory
    {
        protected override (string Host, int Port) Target
        {
            get
            {
                var server = new NpgsqlConnectionStringBuilder(Database.ConnectionString);
                return (server.Host!, server.Port);
            }
        }

        protected override IEnumerable<KeyValuePair<string, string?>> Through(TcpFaultProxy proxy) =>
            [new("ConnectionStrings:Roster", new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Host = proxy.Host, Port = proxy.Port, Timeout = 3 }.ConnectionString)];
    }

    [Fact]
    public async Task R30_api_answers_503_with_retry_after_while_postgres_is_unreachable_and_recovers()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.GetAsync(district.Path + "/people")).EnsureSuccessStatusCode();

        await api.Proxy.CutAsync();
        try
        {
            var down = await district.Client.GetAsync(district.Path + "/people");
            var problem = await Problem.AssertAsync(down, HttpStatusCode.ServiceUnavailable, "unavailable");
            Assert.Equal(TimeSpan.FromSeconds(5), down.Headers.RetryAfter?.Delta);
            Assert.Contains("database", problem.Str("title"));
            await Problem.AssertAsync(await district.Client.PostAsync(district.Path + "/people",
                    System.Net.Http.Json.JsonContent.Create(new { email = "t@x.org", givenName = "T", familyName = "R", roles = new[] { "teacher" } })),
                HttpStatusCode.ServiceUnavailable, "unavailable");

            var client = api.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
        }
        finally
        {
            api.Proxy.Restore();
        }

        await Eventually.StatusAsync(() => district.Client.GetAsync(district.Path + "/people"), HttpStatusCode.OK);
        await Eventually.StatusAsync(() => api.CreateClient().GetAsync("/health/ready"), HttpStatusCode.OK);
    }
}

/// <summary>R30: ready follows the broker too; the Api reaches RabbitMQ through a proxy the test cuts and restores.</summary>
public sealed class BrokerReadinessTests(BrokerReadinessTests.Factory api) : IClassFixture<BrokerReadinessTests.Factory>
{
    public sealed class Factory : FaultProxyFactory
    {
        protected override (string Host, int Port) Target => (Broker.Host, Broker.Port);

        protected override IEnumerable<KeyValuePair<string, string?>> Through(TcpFaultProxy proxy) =>
            [new("RabbitMq:Host", proxy.Host), new("RabbitMq:Port", proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    }

    [Fact]
    public async Task R30_ready_is_unready_while_rabbitmq_is_unreachable_and_recovers()
    {
        var client = api.CreateClient();
        await Eventually.StatusAsync(() => client.GetAsync("/health/ready"), HttpStatusCode.OK);

        await api.Proxy.CutAsync();
        try
        {
            await Eventually.StatusAsync(() => client.GetAsync("/health/ready"), HttpStatusCode.ServiceUnavailable);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
            var district = await api.NewDistrictAsync();
            (await district.Client.GetAsync(district.Path + "/people")).EnsureSuccessStatusCode();
        }
        finally
        {
            api.Proxy.Restore();
        }

        await Eventually.StatusAsync(() => client.GetAsync("/health/ready"), HttpStatusCode.OK);
    }
}

/// <summary>An Api that reaches one service (<see cref="Target"/>) through a <see cref="TcpFaultProxy"/> its test cuts.</summary>
public abstract class FaultProxyFactory : ApiFactory
{
    private TcpFaultProxy? _proxy;

    public TcpFaultProxy Proxy => _proxy ?? throw new InvalidOperationException("The host is not built yet.");

    protected abstract (string Host, int Port) Target { get; }

    /// <summary>The settings that send the host through <paramref name="proxy"/>.</summary>
    protected abstract IEnumerable<KeyValuePair<string, string?>> Through(TcpFaultProxy proxy);

    protected sealed override IEnumerable<KeyValuePair<string, string?>> Settings => Through(_proxy ??= new TcpFaultProxy(Target.Host, Target.Port));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_proxy is not null) await _proxy.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Waits for a condition with a generous deadline (the machine may be busy), never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task StatusAsync(Func<Task<HttpResponseMessage>> request, HttpStatusCode expected, int seconds = 90)
    {
        var clock = Stopwatch.StartNew();
        HttpStatusCode last;
        do
        {
            last = (await request()).StatusCode;
            if (last == expected) return;
            await Task.Delay(250);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds));
        Assert.Fail($"Still {(int)last} after {seconds} s, expected {(int)expected}.");
    }
}
