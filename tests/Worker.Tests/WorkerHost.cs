using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using RosterSync.Contracts;
using RosterSync.Domain.Model;
using RosterSync.TestSupport;

namespace RosterSync.Worker.Tests;

/// <summary>
/// A real Worker host (RabbitMQ consumers, dispatcher, schedules) over its own database and vhost, and what tests ask
/// of it: districts, publishing, waiting for a run, reading the database. Fixtures add their configuration.
/// </summary>
public abstract class WorkerHost : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public TestBroker Broker { get; private set; } = null!;
    public IHost Host { get; private set; } = null!;
    public NpgsqlDataSource Db => Database.DataSource;

    /// <summary>The host's configuration beyond the database and the broker; a key given twice takes the later value.</summary>
    protected abstract IEnumerable<KeyValuePair<string, string?>> HostSettings { get; }

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Broker = await TestBroker.CreateAsync();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:Roster", Database.ConnectionString), .. Broker.Settings, .. KeyRingCertificate.Settings]);
        // Later settings win, so a fixture may override a default it inherits.
        foreach (var (key, value) in HostSettings) builder.Configuration[key] = value;
        ConfigureConnections(builder);
        builder.AddWorkerServices();
        ConfigureHost(builder);
        // As in Development (what run.sh uses): a scoped service taken from the root provider fails the test.
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
        Host = builder.Build();
        await StartHostAsync();
    }

    /// <summary>Starts the host; a fixture may start it in the background (to show it waits for a service that is down).</summary>
    protected virtual Task StartHostAsync() => Host.StartAsync();

    /// <summary>Before the Worker's services are added, which read the connection string at once: a proxy in front of a service, say.</summary>
    protected virtual void ConfigureConnections(HostApplicationBuilder builder) { }

    /// <summary>A last say over the host before it is built (logging providers, say).</summary>
    protected virtual void ConfigureHost(HostApplicationBuilder builder) { }

    public virtual async Task DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        await Database.DisposeAsync();
        await Broker.DisposeAsync();
    }

    public Task PublishAsync(Guid runId, Guid districtId) =>
        Host.Services.GetRequiredService<IBus>().Publish(new StartSync(runId, districtId));

    public async Task<Guid> CreateDistrictAsync()
    {
        await using var db = Database.CreateDbContext();
        var district = new District { Id = Guid.CreateVersion7(), Name = "Test district", CreatedAt = DateTimeOffset.UtcNow };
        db.Districts.Add(district);
        await db.SaveChangesAsync();
        return district.Id;
    }

    /// <summary>Polls the run until it reaches one of <paramref name="statuses"/> (default: any end or awaiting-approval).</summary>
    public async Task<SyncRun> WaitForRunAsync(Guid runId, TimeSpan? timeout = null, params string[] statuses)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        statuses = statuses.Length > 0 ? statuses : [RunStatus.Succeeded, RunStatus.Failed, RunStatus.AwaitingApproval, RunStatus.Cancelled];
        while (true)
        {
            await using var db = Database.CreateDbContext();
            var run = await db.SyncRuns.FindAsync(runId) ?? throw new InvalidOperationException($"run {runId} not found");
            if (statuses.Contains(run.Status)) return run;
            if (DateTime.UtcNow > until) throw new TimeoutException($"run {runId} is still {run.Status}");
            await Task.Delay(100);
        }
    }

    public async Task<long> ScalarAsync(string sql, params object[] args)
    {
        await using var command = Command(sql, args);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<string?> TextAsync(string sql, params object[] args)
    {
        await using var command = Command(sql, args);
        return await command.ExecuteScalarAsync() as string;
    }

    private NpgsqlCommand Command(string sql, object[] args)
    {
        var command = Db.CreateCommand(sql);
        foreach (var a in args) command.Parameters.Add(new NpgsqlParameter { Value = a });
        return command;
    }
}
