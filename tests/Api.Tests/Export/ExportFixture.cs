extern alias fakesis;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using fakesis::RosterSync.FakeSis;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using RosterSync.Domain.Model;

namespace RosterSync.Api.Tests.Export;

/// <summary>
/// The Api and a Worker in process over one database and vhost, and the fake SIS (Ed-Fi shaped) on 127.0.0.1. The SIS's
/// state is shared by the class's tests: each uses its own student numbers.
/// </summary>
public sealed class ExportFixture : IAsyncLifetime
{
    public const string ClientId = "rostersync-test";
    public const string ClientSecret = "fake-sis-client-secret-5a1f";

    public ApiFactory Api { get; } = new Factory();
    public SisState Sis { get; } = new();
    public Uri SisAddress { get; private set; } = null!;
    private WebApplication _sis = null!;
    private IHost _worker = null!;

    /// <summary>The fake SIS listens on 127.0.0.1 over http: both hosts allow private export targets.</summary>
    public const string PrivateTargets = "Export:AllowPrivateTargets";

    public sealed class Factory : ApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new(PrivateTargets, "true")];
    }

    public async Task InitializeAsync()
    {
        await Api.InitializeAsync();
        Sis.Clients[ClientId] = ClientSecret;
        (_sis, SisAddress) = await FakeSisApp.StartAsync(Sis);
        _worker = await InProcessWorker.StartAsync(Api, builder => builder.Configuration.AddInMemoryCollection([
            new("Export:RetryBaseDelay", "00:00:00.100"),
            new("Export:MaxRetryDelay", "00:00:05"),
            new("Export:AttemptTimeout", "00:00:04"),
            new("Export:MaxAttempts", "5"),
            new(PrivateTargets, "true"),
        ]));
    }

    public async Task DisposeAsync()
    {
        await _worker.StopAsync();
        _worker.Dispose();
        await _sis.StopAsync();
        await _sis.DisposeAsync();
        await ((IAsyncLifetime)Api).DisposeAsync();
    }

    public static readonly object[] Operations = EnrollExamples.Operations;

    public object Connection(Guid? example = null, string secret = ClientSecret) => EnrollExamples.Connection(SisAddress, ClientId, secret, example);

    /// <summary>Every mapping type: none, direct, codes and transform (date, pick, phone, upper, transliterate).</summary>
    public static object[] Mappings(bool withNonBinary = true) => EnrollExamples.Mappings(withNonBinary);

    /// <summary>A connection with its target fields read and every mapping in place, serving <paramref name="schools"/>.</summary>
    public async Task<Guid> ConnectedAsync(TestDistrict district, params Guid[] schools)
    {
        var connection = (await (await district.Client.PostAsJsonAsync(district.Path + "/export-connections", Connection())).ReadAsync()).Id();
        await (await district.Client.PostAsync($"{district.Path}/export-connections/{connection}/target-fields/refresh", null)).ReadAsync();
        await (await district.Client.PutAsJsonAsync($"{district.Path}/export-connections/{connection}/mappings", new { mappings = Mappings() })).ReadAsync();
        await (await district.Client.PostAsJsonAsync($"{district.Path}/export-connections/{connection}/schools", new { schoolIds = schools })).ReadAsync();
        return connection;
    }

    /// <summary>A new district (every scope) with one school, Lincoln High (255901), served by a connection mapped in full.</summary>
    public async Task<(TestDistrict District, School School)> ConnectedDistrictAsync()
    {
        var district = await Api.NewDistrictAsync(Registrations.AllScopes);
        var school = await SchoolAsync(district.Id, "Lincoln High", "255901");
        await ConnectedAsync(district, school.Id);
        return (district, school);
    }

    public async Task<School> SchoolAsync(Guid districtId, string name, string identifier)
    {
        var now = DateTimeOffset.UtcNow;
        var school = new School { Id = Guid.CreateVersion7(), DistrictId = districtId, Name = name, Identifier = identifier, Origin = Origins.Manual, CreatedAt = now, UpdatedAt = now };
        await Api.AddAsync(school);
        return school;
    }

    /// <summary>Starts an export run and waits until it has ended.</summary>
    public static async Task<JsonElement> ExportAsync(TestDistrict district, object request)
    {
        var response = await district.Client.PostAsJsonAsync(district.Path + "/export-runs", request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await WaitAsync(district, response.Headers.Location!.ToString());
    }

    public static async Task<JsonElement> WaitAsync(TestDistrict district, string location)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        while (true)
        {
            var run = await (await district.Client.GetAsync(location)).ReadAsync();
            if (run.Str("status") is not ("queued" or "running")) return run;
            Assert.True(DateTimeOffset.UtcNow < deadline, $"The run did not end: {run}");
            await Task.Delay(200);
        }
    }

    public IEnumerable<SisRequest> StudentPosts(string studentUniqueId) =>
        Sis.Posts("/students").Where(r => r.Body.Contains($"\"studentUniqueId\":\"{studentUniqueId}\"", StringComparison.Ordinal));
}
