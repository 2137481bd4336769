extern alias fakesis;
extern alias worker;

using System.Net;
using System.Net.Http.Json;
using fakesis::RosterSync.FakeSis;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RosterSync.Domain;
using RosterSync.Domain.Export;
using static RosterSync.Api.Tests.Export.Registrations;
using ExportExtensions = worker::RosterSync.Worker.Export.ExportExtensions;
using SisClient = worker::RosterSync.Worker.Export.SisClient;
using SisUnavailableException = worker::RosterSync.Worker.Export.SisUnavailableException;

namespace RosterSync.Api.Tests.Export;

/// <summary>
/// An export connection's URLs are checked like webhook URLs (<see cref="TargetUrlRules"/>): loopback, private, link-local and
/// plain-http targets are refused unless <c>Export:AllowPrivateTargets</c> is on, when written (a 400 naming the member) and
/// again by the Worker on the address it connects to. The shared Api leaves the option off, as in production.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class ExportTargetTests(ApiFactory api)
{
    private static object Connection(string baseUrl, string tokenUrl = "/oauth/token", string openApiUrl = "/metadata/openapi.json") => new
    {
        name = "Ed-Fi ODS", baseUrl, openApiUrl, operations = EnrollExamples.Operations,
        auth = new { kind = "oauth2-client-credentials", tokenUrl, clientId = "c", clientSecret = "s" },
    };

    [Fact]
    public async Task Export_urls_reaching_private_loopback_link_local_or_plain_http_targets_are_refused_when_written_naming_the_member()
    {
        var district = await api.NewDistrictAsync(AllScopes);
        var connections = district.Path + "/export-connections";
        await Problem.AssertInvalidAsync(await district.Client.PostAsJsonAsync(connections, Connection("http://127.0.0.1:5390/")), "baseUrl");
        await Problem.AssertInvalidAsync(await district.Client.PostAsJsonAsync(connections, Connection("https://10.0.0.7/")), "baseUrl");
        await Problem.AssertInvalidAsync(await district.Client.PostAsJsonAsync(connections, Connection("http://sis.example.org/")), "baseUrl");
        var problem = await Problem.AssertInvalidAsync(await district.Client.PostAsJsonAsync(connections,
            Connection("https://sis.example.org/", tokenUrl: "https://localhost/oauth/token", openApiUrl: "https://169.254.169.254/latest/meta-data")), "auth.tokenUrl");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("openApiUrl", out _), errors.ToString());
        Assert.False(errors.TryGetProperty("baseUrl", out _), errors.ToString());

        // A public https base URL with paths below it is taken; changing it to a private one later is refused too.
        var created = await district.Client.PostAsJsonAsync(connections, Connection("https://sis.example.org/"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadAsync()).Id();
        await Problem.AssertInvalidAsync(await district.Client.PutAsJsonAsync($"{connections}/{id}", Connection("https://[::1]/")), "baseUrl");
    }

    [Theory]
    [InlineData("https://localhost./hook")]
    [InlineData("https://LOCALHOST../hook")]
    [InlineData("https://sis.localhost./hook")]
    [InlineData("https://db.internal./hook")]
    [InlineData("https://127.0.0.1./hook")]
    public async Task Trailing_dot_spellings_of_refused_hosts_are_refused_when_written_as_at_send_time_naming_the_member(string url)
    {
        // The resolver reads "localhost." as "localhost": the Worker would refuse it when it sends, so the Api refuses it now.
        Assert.NotNull(TargetUrlRules.Check(url, allowPrivateTargets: false));
        var district = await api.NewDistrictAsync(AllScopes);
        await Problem.AssertInvalidAsync(await district.Client.PostAsJsonAsync(district.Path + "/webhooks", new { url }), "url");
        await Problem.AssertInvalidAsync(await district.Client.PostAsJsonAsync(district.Path + "/export-connections",
            Connection("https://sis.example.org/", tokenUrl: url)), "auth.tokenUrl");
        // A public name written with the root's dot stays a public name.
        Assert.Null(TargetUrlRules.Check("https://sis.example.org./hook", allowPrivateTargets: false));
    }

    [Fact]
    public async Task The_Workers_SIS_client_refuses_a_private_target_at_send_time_even_one_whose_name_resolves_inward()
    {
        var sis = new SisState();
        var (app, address) = await FakeSisApp.StartAsync(sis);
        await using var _ = app;
        Assert.False(TargetUrlRules.IsPublic(IPAddress.Parse("192.0.2.2")));
        Assert.True(TargetUrlRules.IsPublic(IPAddress.Parse("192.0.3.2")));
        // A name that passes the write-time check (not an IP literal, not localhost) but resolves to this machine.
        var host = Dns.GetHostName();
        Assert.All(await Dns.GetHostAddressesAsync(host), a => Assert.False(TargetUrlRules.IsPublic(a), $"{host} resolves to the public {a}: this test needs an inward name"));
        static ExportConnection At(string baseUrl) => new()
        {
            Name = "stored while private targets were allowed", BaseUrl = baseUrl, AuthKind = ExportAuthKinds.Bearer, OpenApiUrl = "/metadata/openapi.json",
        };
        SisClient Client(bool allow)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection([new("Export:AllowPrivateTargets", allow ? "true" : "false")]);
            ExportExtensions.AddExport(builder);
            builder.Services.AddSingleton(TimeProvider.System);
            return builder.Services.BuildServiceProvider().GetRequiredService<SisClient>();
        }

        var inward = await Assert.ThrowsAsync<SisUnavailableException>(() => Client(allow: false).GetDocumentAsync(At($"https://{host}:{address.Port}/"), CancellationToken.None));
        Assert.Contains("no public address", inward.Message, StringComparison.Ordinal);
        var plain = await Assert.ThrowsAsync<SisUnavailableException>(() => Client(allow: false).GetDocumentAsync(At(address.ToString()), CancellationToken.None));
        Assert.Contains("https", plain.Message, StringComparison.Ordinal);
        // Allowed, the same fake answers its document through the inward name.
        Assert.Contains("\"paths\"", await Client(allow: true).GetDocumentAsync(At($"http://{host}:{address.Port}/"), CancellationToken.None), StringComparison.Ordinal);
    }
}
