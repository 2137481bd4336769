using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RosterSync.Domain.Model;
using RosterSync.TestSupport;
using RosterSync.Worker.Runs;
using RosterSync.Worker.Tests.Sources;

namespace RosterSync.Worker.Tests;

/// <summary>A Worker that reaches RabbitMQ through a <see cref="TcpFaultProxy"/>; its dispatcher gives a publish one second.</summary>
public class BrokerProxyWorkerFixture : LeaseWorkerFixture
{
    public TcpFaultProxy Proxy { get; private set; } = null!;

    protected override IEnumerable<KeyValuePair<string, string?>> HostSettings =>
        [.. base.HostSettings, new("Dispatcher:PublishTimeout", "00:00:01"), new("Dispatcher:MaxBackoff", "00:00:02")];

    protected override void ConfigureConnections(HostApplicationBuilder builder)
    {
        Proxy = new TcpFaultProxy(Broker.Host, Broker.Port);
        builder.Configuration["RabbitMq:Host"] = "127.0.0.1";
        builder.Configuration["RabbitMq:Port"] = Proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public override async Task DisposeAsync()
    {
        Proxy.Restore();
        await base.DisposeAsync();
        await Proxy.DisposeAsync();
    }
}

/// <summary>A Worker started while its RabbitMQ (through a <see cref="TcpFaultProxy"/>) is unreachable; the test restores it.</summary>
public sealed class StartedWhileRabbitMqIsCutFixture : BrokerProxyWorkerFixture
{
    public Task Started { get; private set; } = null!;
    public DateTime StartedAt { get; private set; }

    protected override async Task StartHostAsync()
    {
        await Proxy.CutAsync();
        StartedAt = DateTime.UtcNow;
        Started = Task.Run(() => Host.StartAsync());
    }

    public override async Task DisposeAsync()
    {
        Proxy.Restore();
        await Started.WaitAsync(TimeSpan.FromMinutes(2));
        await base.DisposeAsync();
    }
}

/// <summary>A source Worker that reaches PostgreSQL through a <see cref="TcpFaultProxy"/> (the test itself connects directly).</summary>
public sealed class DatabaseProxyWorkerFixture : SourceWorkerFixture
{
    public TcpFaultProxy Proxy { get; private set; } = null!;
    public CapturedLog Log { get; } = new();

    protected override void ConfigureHost(HostApplicationBuilder builder) => builder.Logging.AddProvider(Log.Provider);

    protected override void ConfigureConnections(HostApplicationBuilder builder)
    {
        var direct = new NpgsqlConnectionStringBuilder(Database.ConnectionString);
        Proxy = new TcpFaultProxy(direct.Host!, direct.Port);
        builder.Configuration["ConnectionStrings:Roster"] = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Host = "127.0.0.1", Port = Proxy.Port }.ConnectionString;
    }

    public override async Task DisposeAsync()
    {
        Proxy.Restore();
        await base.DisposeAsync();
        await Proxy.DisposeAsync();
    }
}

/// <summary>R29: a Worker waits out RabbitMQ and PostgreSQL outages (cut with a TCP proxy; the shared services stay up).</summary>
public class RabbitMqCutThroughProxyTests(BrokerProxyWorkerFixture worker) : IClassFixture<BrokerProxyWorkerFixture>
{
    [Fact]
    public async Task R29_the_dispatcher_outlives_publish_timeouts_while_RabbitMQ_is_unreachable_and_publishes_once_it_is_back()
    {
        var district = await worker.CreateDistrictAsync();
        var dispatcher = worker.Host.Services.GetServices<IHostedService>().OfType<QueuedRunDispatcher>().Single();
        var lifetime = worker.Host.Services.GetRequiredService<IHostApplicationLifetime>();
        var mark = worker.Log.Mark;
        await worker.Proxy.CutAsync();
        Guid runId;
        try
        {
            // As the Api leaves a run when its own publish failed: stored, never published.
            runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
            await worker.ScalarAsync("UPDATE sync_runs SET published_at = NULL WHERE id = $1 RETURNING 1", runId);

            var until = DateTime.UtcNow.AddSeconds(90);
            while (worker.Log.Count(mark, "Dispatching runs failed") < 2)
            {
                Assert.True(DateTime.UtcNow < until, "the dispatcher did not try (twice) to publish while RabbitMQ was unreachable");
                await Task.Delay(50);
            }
            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the Worker host is stopping");
            Assert.False(dispatcher.ExecuteTask!.IsCompleted, "the dispatcher loop ended");
            Assert.Equal(RunStatus.Queued, (await worker.WaitForRunAsync(runId, null, RunStatus.Queued)).Status);
        }
        finally
        {
            worker.Proxy.Restore();
        }

        var run = await worker.WaitForRunAsync(runId, TimeSpan.FromSeconds(150));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(44, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
    }
}

public class WorkerStartedWhileRabbitMqIsCutTests(StartedWhileRabbitMqIsCutFixture worker) : IClassFixture<StartedWhileRabbitMqIsCutFixture>
{
    [Fact]
    public async Task R29_a_Worker_started_while_RabbitMQ_is_unreachable_waits_for_it_and_then_runs()
    {
        // MassTransit's former 30-second start timeout would have failed the start (and ended the process) by now.
        var until = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow - worker.StartedAt < TimeSpan.FromSeconds(40) || worker.Log.Count(0, "RabbitMQ") < 2)
        {
            Assert.True(DateTime.UtcNow < until, "MassTransit did not try to connect");
            Assert.False(worker.Started.IsCompleted, $"the host's start ended while RabbitMQ was unreachable: {worker.Started.Exception?.GetBaseException().Message}");
            await Task.Delay(100);
        }

        worker.Proxy.Restore();
        await worker.Started.WaitAsync(TimeSpan.FromSeconds(120));
        var district = await worker.CreateDistrictAsync();
        var runId = await worker.QueueUploadRunAsync(district, WorkerFixture.DemoBundle());
        await worker.PublishAsync(runId, district);

        Assert.Equal(RunStatus.Succeeded, (await worker.WaitForRunAsync(runId, TimeSpan.FromSeconds(120))).Status);
    }
}

public class DatabaseOutageThroughProxyTests(DatabaseProxyWorkerFixture worker, FakeCleverServer clever)
    : IClassFixture<DatabaseProxyWorkerFixture>, IClassFixture<FakeCleverServer>
{
    [Fact]
    public async Task R29_a_failure_that_cannot_be_written_while_PostgreSQL_is_unreachable_is_written_once_it_is_back()
    {
        var tenant = clever.AddDistrict();
        CleverData.Lincoln(tenant);
        // Every page hangs past the attempt timeout: after its retries the read fails (R22) a few seconds after it began.
        tenant.Faults = _ => Fault.Hang(TimeSpan.FromSeconds(30));
        var district = await worker.CreateDistrictAsync();
        await worker.ConfigureAsync(district,
            SourceWorkerFixture.Settings(new SourceSettings { Kind = SourceKinds.Clever, BaseUrl = clever.Address.ToString() }),
            new Dictionary<string, string> { ["token"] = tenant.Token });
        var runId = await worker.QueueAsync(district, SourceKinds.Clever);
        var lifetime = worker.Host.Services.GetRequiredService<IHostApplicationLifetime>();

        await worker.PublishAsync(runId, district);
        var until = DateTime.UtcNow.AddSeconds(90);
        while (tenant.Requests.IsEmpty)
        {
            Assert.True(DateTime.UtcNow < until, "the run never called the source");
            await Task.Delay(10);
        }
        var mark = worker.Log.Mark;
        await worker.Proxy.CutAsync();
        try
        {
            await worker.Log.WaitForAsync(TimeSpan.FromSeconds(90), mark, runId.ToString(), "writing its failure failed");
            Assert.Equal(RunStatus.Running, (await worker.WaitForRunAsync(runId, null, RunStatus.Running)).Status);
            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the Worker host is stopping");
        }
        finally
        {
            worker.Proxy.Restore();
        }

        var run = await worker.WaitForRunAsync(runId, TimeSpan.FromSeconds(120));

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("did not answer", run.Error);
        Assert.Equal(0, await worker.ScalarAsync("SELECT count(*) FROM people WHERE district_id = $1", district));
        Assert.Equal(0, run.Takeovers);
    }
}
