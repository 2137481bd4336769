using System.Net;

namespace RosterSync.Api.Tests;

public sealed class CorsTests(CorsTests.Factory api) : IClassFixture<CorsTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Cors:AllowedOrigins:0", "https://app.example")];
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/districts");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");
        return request;
    }

    [Fact]
    public async Task A_configured_origin_may_call_from_a_browser()
    {
        var response = await api.CreateClient().SendAsync(Preflight("https://app.example"));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://app.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Other_origins_get_no_cors_headers()
    {
        var response = await api.CreateClient().SendAsync(Preflight("https://evil.example"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
