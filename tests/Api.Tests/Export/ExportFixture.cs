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

    public ApiFactory Api { get; } = new();
    public SisState Sis { get; } = new();
    public Uri SisAddress { get; private set; } = null!;
    private WebApplication _sis = null!;
    private IHost _worker = null!;

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

    public static readonly object[] Operations = [new { method = "POST", path = "/students" }, new { method = "POST", path = "/studentSchoolAssociations" }];

    public object Connection(Guid? example = null, string secret = ClientSecret) => new
    {
        name = "Ed-Fi ODS",
        baseUrl = SisAddress.ToString(),
        auth = new { kind = "oauth2-client-credentials", tokenUrl = "/oauth/token", clientId = ClientId, clientSecret = secret },
        openApiUrl = "/metadata/openapi.json",
        operations = Operations,
        exampleRegistrationId = example,
    };

    private const string Students = "POST /students";
    private const string Associations = "POST /studentSchoolAssociations";

    private static object Field(string field) => new { fn = "field", field };

    /// <summary>Every mapping type: none, direct, codes and transform (date, pick, phone, upper, transliterate).</summary>
    public static object[] Mappings(bool withNonBinary = true) =>
    [
        new { operation = Students, target = "studentUniqueId", type = "direct", source = "student.localId" },
        new { operation = Students, target = "firstName", type = "transform", transform = new { fn = "transliterate", args = new[] { Field("student.firstName") } } },
        new { operation = Students, target = "middleName", type = "none" },
        new { operation = Students, target = "lastSurname", type = "direct", source = "student.lastName" },
        new { operation = Students, target = "birthDate", type = "transform", transform = new { fn = "date", args = new[] { Field("student.birthDate") } } },
        new
        {
            operation = Students, target = "sexDescriptor", type = "codes", source = "student.gender",
            codes = withNonBinary
                ? new Dictionary<string, string> { ["Female"] = FakeSisApp.SexDescriptors[0], ["Male"] = FakeSisApp.SexDescriptors[1], ["Non-binary"] = FakeSisApp.SexDescriptors[2] }
                : new Dictionary<string, string> { ["Female"] = FakeSisApp.SexDescriptors[0], ["Male"] = FakeSisApp.SexDescriptors[1] },
        },
        new { operation = Students, target = "electronicMailAddress", type = "direct", source = "student.email" },
        new { operation = Students, target = "addresses[0].streetNumberName", type = "direct", source = "address.street" },
        new { operation = Students, target = "addresses[0].city", type = "transform", transform = new { fn = "upper", args = new[] { Field("address.city") } } },
        new { operation = Students, target = "addresses[0].postalCode", type = "direct", source = "address.postalCode" },
        new { operation = Students, target = "contacts[0].telephoneNumber", type = "transform", transform = new { fn = "phone", args = new[] { Field("guardian1.phone") } } },
        new { operation = Associations, target = "studentReference.studentUniqueId", type = "direct", source = "student.localId" },
        new { operation = Associations, target = "schoolReference.schoolId", type = "direct", source = "school.identifier" },
        new
        {
            operation = Associations, target = "entryDate", type = "transform",
            transform = new { fn = "pick", args = new object[] { new { fn = "date", args = new[] { Field("enrollment.entryDate") } }, new { fn = "today" } } },
        },
        new
        {
            operation = Associations, target = "entryGradeLevelDescriptor", type = "codes", source = "enrollment.grade",
            codes = new Dictionary<string, string> { ["09"] = FakeSisApp.GradeLevelDescriptors[9], ["10"] = FakeSisApp.GradeLevelDescriptors[10] },
        },
    ];

    /// <summary>A connection with its target fields read and every mapping in place, serving <paramref name="schools"/>.</summary>
    public async Task<Guid> ConnectedAsync(TestDistrict district, params Guid[] schools)
    {
        var connection = (await (await district.Client.PostAsJsonAsync(district.Path + "/export-connections", Connection())).ReadAsync()).Id();
        await (await district.Client.PostAsync($"{district.Path}/export-connections/{connection}/target-fields/refresh", null)).ReadAsync();
        await (await district.Client.PutAsJsonAsync($"{district.Path}/export-connections/{connection}/mappings", new { mappings = Mappings() })).ReadAsync();
        await (await district.Client.PostAsJsonAsync($"{district.Path}/export-connections/{connection}/schools", new { schoolIds = schools })).ReadAsync();
        return connection;
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
