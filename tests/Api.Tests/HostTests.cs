using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace RosterSync.Api.Tests;

[Collection(SharedApi.Name)]
public sealed class HostTests(ApiFactory api)
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_needs_no_key_and_is_healthy(string path)
    {
        var response = await api.CreateClient().GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ready_includes_postgresql_rabbitmq_and_the_bus()
    {
        var checks = api.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckServiceOptions>>()
            .Value.Registrations.Where(r => r.Tags.Contains("ready")).Select(r => r.Name).ToList();
        Assert.Contains("postgresql", checks);
        Assert.Contains("rabbitmq", checks);
        Assert.Contains(checks, name => name.Contains("masstransit", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.OK, (await api.CreateClient().GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_and_swagger_ui_need_no_key()
    {
        var client = api.CreateClient();
        var document = await (await client.GetAsync("/openapi/v1.json")).ReadAsync();
        Assert.StartsWith("3.1", document.Str("openapi"));
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/v1/districts/{districtId}/people", out _));
        var ui = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        var response = await api.Operator().GetAsync("/api/v1/nothing-here");
        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Wrong_method_is_a_405_problem()
    {
        var response = await api.Operator().DeleteAsync("/api/v1/districts");
        await Problem.AssertAsync(response, HttpStatusCode.MethodNotAllowed, "method-not-allowed");
    }

    [Fact]
    public async Task No_key_is_a_401_problem_with_a_bearer_challenge()
    {
        var response = await api.Client(null).GetAsync("/api/v1/districts");
        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("Bearer rsk_not-a-key")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer")]
    [InlineData("Bearer " + ApiFactory.OperatorKey + " " + ApiFactory.OperatorKey)]
    [InlineData("Bearer" + ApiFactory.OperatorKey)]
    [InlineData("Bearer " + ApiFactory.OperatorKey + "x")]
    public async Task An_unknown_key_or_scheme_is_a_401_problem(string authorization)
    {
        var client = api.Client(null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        await Problem.AssertAsync(await client.GetAsync("/api/v1/districts"), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("Bearer " + ApiFactory.OperatorKey)]
    [InlineData("bearer " + ApiFactory.OperatorKey)]
    [InlineData("  BEARER   " + ApiFactory.OperatorKey + "  ")]
    public async Task The_bearer_scheme_is_read_in_any_case_around_whitespace(string authorization)
    {
        var client = api.Client(null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/districts")).StatusCode);
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem()
    {
        var content = new StringContent("{\"name\": ", Encoding.UTF8, "application/json");
        var response = await api.Operator().PostAsync("/api/v1/districts", content);
        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "bad-request");
    }

    [Fact]
    public async Task Numbers_are_not_read_from_strings()
    {
        var district = await api.NewDistrictAsync();
        var response = await district.Client.PutAsJsonAsync(district.Path + "/sync-settings",
            new { source = new { kind = "upload" }, safetyThresholdPercent = "10" });
        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "bad-request");
    }

    [Fact]
    public async Task A_query_value_of_the_wrong_type_is_a_400_problem()
    {
        var district = await api.NewDistrictAsync();
        var response = await district.Client.GetAsync(district.Path + "/people?limit=many");
        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "bad-request");
    }

    [Fact]
    public async Task Problems_are_problem_json_for_a_client_that_accepts_json()
    {
        var client = api.Client(null);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var response = await client.GetAsync("/api/v1/districts");
        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
    }
}

/// <summary>Ready means PostgreSQL answers: with PostgreSQL unreachable the Api is live but not ready.</summary>
public sealed class UnreachableDatabaseTests(UnreachableDatabaseTests.Factory api) : IClassFixture<UnreachableDatabaseTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        // Nothing listens on port 1; the Api itself starts without touching the database.
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("ConnectionStrings:Roster", "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=2")];
    }

    [Fact]
    public async Task Live_stays_healthy_and_ready_is_503_unhealthy()
    {
        var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
    }
}
