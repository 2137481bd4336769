extern alias worker;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace RosterSync.Api.Tests;

/// <summary>A real Worker host in the test process over an Api factory's database and vhost, for end-to-end tests.</summary>
public static class InProcessWorker
{
    public static async Task<IHost> StartAsync(ApiFactory api, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([
            new("ConnectionStrings:Roster", api.Database.ConnectionString),
            new("Dispatcher:Interval", "00:00:00.500"),
            .. api.Broker.Settings,
            .. RosterSync.TestSupport.KeyRingCertificate.Settings,
        ]);
        worker::RosterSync.Worker.Extensions.AddWorkerServices(builder);
        configure?.Invoke(builder);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "RosterSync.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("RosterSync.sln not found above the test binaries");
    }
}
