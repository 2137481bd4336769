using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RosterSync.Domain.Model;
using RosterSync.TestSupport;

namespace RosterSync.Worker.Tests.Sources;

/// <summary>A source Worker that logs every category at Trace into <see cref="Lines"/>.</summary>
public sealed class LoggedSourceWorkerFixture : SourceWorkerFixture
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Text)> Lines { get; } = new();

    private static readonly string[] Categories = ["Default", "Microsoft", "System.Net.Http", "MassTransit", "Polly"];

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        Categories.Select(c => new KeyValuePair<string, string?>($"Logging:LogLevel:{c}", "Trace"));

    protected override void ConfigureHost(HostApplicationBuilder builder) =>
        builder.Logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new LogCapture(Lines));
}

/// <summary>Runs that used secrets leave no secret in any log line, and no name or email at Information (SPEC §7).</summary>
public class SourceLogTests(LoggedSourceWorkerFixture worker, FakeCleverServer clever, FakeOneRosterServer oneRoster)
    : IClassFixture<LoggedSourceWorkerFixture>, IClassFixture<FakeCleverServer>, IClassFixture<FakeOneRosterServer>
{
    [Fact]
    public async Task Clever_and_ClassLink_runs_log_no_secret_and_no_personal_data_at_information()
    {
        var cleverTenant = clever.AddDistrict();
        CleverData.Lincoln(cleverTenant);
        var cleverDistrict = await worker.CreateDistrictAsync();
        await worker.ConfigureAsync(cleverDistrict, SourceWorkerFixture.Settings(new SourceSettings { Kind = SourceKinds.Clever, BaseUrl = clever.Address.ToString() }),
            new Dictionary<string, string> { ["token"] = cleverTenant.Token });
        var tenant = oneRoster.AddTenant("oauth2");
        OneRosterData.Adams(tenant);
        var classLinkDistrict = await worker.CreateDistrictAsync();
        await worker.ConfigureAsync(classLinkDistrict, SourceWorkerFixture.Settings(new SourceSettings
        {
            Kind = SourceKinds.ClassLink, BaseUrl = oneRoster.BaseUrl(tenant), Auth = "oauth2", ClientId = tenant.ClientId, TokenUrl = oneRoster.TokenUrl(tenant),
        }), new Dictionary<string, string> { ["clientSecret"] = tenant.ClientSecret });

        var cleverRun = await worker.SyncAsync(cleverDistrict, SourceKinds.Clever);
        var classLinkRun = await worker.SyncAsync(classLinkDistrict, SourceKinds.ClassLink);

        Assert.Equal((RunStatus.Succeeded, RunStatus.Succeeded), (cleverRun.Status, classLinkRun.Status));
        var lines = worker.Lines.ToList();
        Assert.Contains(lines, l => l.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal));
        var tokens = tenant.IssuedTokens.Keys.ToList();
        Assert.NotEmpty(tokens);
        foreach (var secret in new[] { cleverTenant.Token, tenant.ClientSecret }.Concat(tokens))
            Assert.DoesNotContain(lines, l => l.Text.Contains(secret, StringComparison.Ordinal));
        foreach (var personal in new[] { "ana.diaz@lincoln.example", "Diaz", "ava.reyes@adams.example", "REYES" })
            Assert.DoesNotContain(lines, l => l.Level >= LogLevel.Information && l.Text.Contains(personal, StringComparison.Ordinal));
    }
}
