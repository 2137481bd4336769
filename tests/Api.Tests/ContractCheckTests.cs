using System.Net;
using System.Text;

namespace RosterSync.Api.Tests;

/// <summary>
/// Issue 11: the check every test client runs (<see cref="ContractCheckingHandler"/>) refuses what breaks the served
/// document, so a green suite means every answer it saw kept the contract.
/// </summary>
[Collection(SharedApi.Name)]
public sealed class ContractCheckTests(ApiFactory api)
{
    private const string District = "/api/v1/districts/01a20785-adcd-7195-8322-330300be7f46";
    private const string Person = """
        {"id":"01a20785-adcd-7195-8322-330300be7f46","email":null,"givenName":"Ana","familyName":"Diaz","middleName":null,
         "roles":["student"],"grade":null,"graduationYear":null,"sms":null,"phone":null,"language":null,"room":null,
         "status":"active","origin":"manual","accountState":"invitee","sourceIds":{"sis":null,"oneroster":null,"clever":null,"classlink":null},
         "schoolIds":[],"createdAt":"2026-12-05T07:00:00.123456Z","updatedAt":"AT"}
        """;

    private static string PersonAt(string at) => Person.Replace("\"AT\"", $"\"{at}\"", StringComparison.Ordinal);

    private static HttpResponseMessage Answer(HttpStatusCode status, string body, string mediaType = "application/json")
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        if (body.Length == 0) response.Content = new ByteArrayContent([]);
        return response;
    }

    private async Task<string?> CheckAsync(HttpMethod method, string path, HttpResponseMessage response) =>
        (await api.ContractAsync()).Check(method, path, (int)response.StatusCode, response.Headers, response.Content.Headers,
            await response.Content.ReadAsStringAsync());

    [Fact]
    public async Task A_valid_answer_passes()
    {
        var ok = Answer(HttpStatusCode.OK, PersonAt("2026-12-05T07:00:00.123456Z"));
        ok.Headers.ETag = new("\"42\"");
        Assert.Null(await CheckAsync(HttpMethod.Get, District + "/people/01a20785-adcd-7195-8322-330300be7f46", ok));
    }

    [Fact]
    public async Task A_body_that_fails_its_schema_is_refused_naming_operation_status_and_error()
    {
        var wrongEnum = PersonAt("2026-12-05T07:00:00.123456Z").Replace("\"origin\":\"manual\"", "\"origin\":\"imported\"", StringComparison.Ordinal);
        var violation = await CheckAsync(HttpMethod.Get, District + "/people/01a20785-adcd-7195-8322-330300be7f46", Answer(HttpStatusCode.OK, wrongEnum));
        Assert.NotNull(violation);
        Assert.Contains("GetPerson", violation);
        Assert.Contains("200", violation);
        Assert.Contains("/origin", violation);

        // Seven fractional digits: not the one date-time format of the contract.
        var sevenDigits = await CheckAsync(HttpMethod.Get, District + "/people/01a20785-adcd-7195-8322-330300be7f46",
            Answer(HttpStatusCode.OK, PersonAt("2026-12-05T07:00:00.1234567Z")));
        Assert.Contains("/updatedAt", sevenDigits);
    }

    [Fact]
    public async Task An_undeclared_status_an_undeclared_problem_type_and_a_missing_header_are_refused()
    {
        var teapot = await CheckAsync(HttpMethod.Get, District, Answer((HttpStatusCode)418, ""));
        Assert.Contains("GetDistrict", teapot);
        Assert.Contains("418 is not declared", teapot);

        var problem = """{"type":"urn:rostersync:problem:email-taken","title":"Conflict","status":404}""";
        var wrongType = await CheckAsync(HttpMethod.Get, District, Answer(HttpStatusCode.NotFound, problem, "application/problem+json"));
        Assert.Contains("email-taken is not among the declared", wrongType);

        var noTitle = await CheckAsync(HttpMethod.Get, District,
            Answer(HttpStatusCode.NotFound, """{"type":"urn:rostersync:problem:not-found","status":404}""", "application/problem+json"));
        Assert.Contains("title", noTitle);

        var created = Answer(HttpStatusCode.Created, """{"id":"01a20785-adcd-7195-8322-330300be7f46","name":"x","createdAt":"2026-12-05T07:00:00.123456Z"}""");
        Assert.Contains("required header Location is missing", await CheckAsync(HttpMethod.Post, "/api/v1/districts", created));

        var undeclaredHeader = Answer(HttpStatusCode.OK, """{"id":"01a20785-adcd-7195-8322-330300be7f46","name":"x","createdAt":"2026-12-05T07:00:00.123456Z"}""");
        undeclaredHeader.Headers.ETag = new("\"7\"");
        Assert.Contains("ETag is sent but not declared", await CheckAsync(HttpMethod.Get, District, undeclaredHeader));
    }

    [Fact]
    public async Task The_checking_handler_fails_the_request_that_broke_the_contract()
    {
        using var client = new HttpClient(new ContractCheckingHandler(api.ContractAsync)
        {
            InnerHandler = new FixedAnswer(() => Answer((HttpStatusCode)418, "")),
        }) { BaseAddress = new Uri("http://localhost") };
        var violation = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetAsync(District));
        Assert.Contains("418 is not declared", violation.Message);
    }

    [Fact]
    public async Task Every_operation_has_a_response_example_and_every_example_keeps_its_schema()
    {
        var violations = (await api.ContractAsync()).ExampleViolations().ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    /// <summary>Stands in for the server so the check itself can be shown wrong answers.</summary>
    private sealed class FixedAnswer(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer());
    }
}
