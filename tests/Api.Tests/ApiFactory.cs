using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using RosterSync.Domain.Persistence;
using RosterSync.TestSupport;

namespace RosterSync.Api.Tests;

/// <summary>
/// The Api in process over its own PostgreSQL database and RabbitMQ vhost, one per test class. Subclasses change
/// settings (limits) through <see cref="Settings"/>.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string OperatorKey = "test-operator-key-0123456789abcdef";

    public TestDatabase Database { get; private set; } = null!;
    public TestBroker Broker { get; private set; } = null!;

    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Broker = await TestBroker.CreateAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Broker.DisposeAsync();
        await Database.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // As in Development (what run.sh uses): a scoped service taken from the root provider fails the test.
        builder.UseDefaultServiceProvider(o => { o.ValidateScopes = true; o.ValidateOnBuild = true; });
        builder.UseSetting("ConnectionStrings:" + PersistenceExtensions.ConnectionName, Database.ConnectionString);
        builder.UseSetting("Auth:OperatorKey", OperatorKey);
        // The key ring encrypted as in production (run.sh and deployments configure a certificate too).
        foreach (var (key, value) in Broker.Settings.Concat(KeyRingCertificate.Settings).Concat(Settings)) builder.UseSetting(key, value);
    }

    public RosterDbContext Db() => Database.CreateDbContext();

    private Task<ServedContract>? _contract;

    /// <summary>The document this Api serves, read once without the check.</summary>
    public Task<ServedContract> ContractAsync() => _contract ??= ReadContractAsync();

    private async Task<ServedContract> ReadContractAsync()
    {
        using var raw = CreateDefaultClient();
        return new ServedContract(await raw.GetStringAsync("/openapi/v1.json"));
    }

    /// <summary>
    /// Issue 11: every client a test uses checks every answer against the served document (<see cref="ServedContract"/>),
    /// after WebApplicationFactory's own redirect and cookie handling.
    /// </summary>
    public new HttpClient CreateClient() => CreateDefaultClient(ClientOptions.BaseAddress,
        new RedirectHandler(ClientOptions.MaxAutomaticRedirections), new CookieContainerHandler(), new ContractCheckingHandler(ContractAsync));

    public HttpClient Client(string? key)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient Operator() => Client(OperatorKey);

    /// <summary>A new district and a key of it with <paramref name="scopes"/> (all four by default).</summary>
    public async Task<TestDistrict> NewDistrictAsync(params string[] scopes)
    {
        var op = Operator();
        var district = await (await op.PostAsJsonAsync("/api/v1/districts", new { name = "District " + Guid.NewGuid().ToString("N")[..8] }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<IdOnly>();
        var key = await (await op.PostAsJsonAsync($"/api/v1/districts/{district!.Id}/api-keys",
                new { name = "test", scopes = scopes.Length > 0 ? scopes : ["roster:read", "roster:write", "sync:run", "settings:write"] }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CreatedKey>();
        return new TestDistrict(district.Id, key!.Key, Client(key.Key), $"/api/v1/districts/{district.Id}");
    }

    private sealed record IdOnly(Guid Id);
    private sealed record CreatedKey(Guid Id, string Key);
}

/// <summary>
/// One Api for the test classes that need no settings of their own: each test makes its own districts, so they
/// share a host, a database and a vhost instead of paying for one per class.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedApi : ICollectionFixture<ApiFactory>
{
    public const string Name = "Api";
}

/// <summary>A district with a client holding one of its keys; <see cref="Path"/> is its base path.</summary>
public sealed record TestDistrict(Guid Id, string Key, HttpClient Client, string Path);
