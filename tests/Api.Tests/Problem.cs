using System.Net;
using System.Text.Json;

namespace RosterSync.Api.Tests;

/// <summary>Asserts that an answer is an RFC 9457 problem with the given status and type, and returns its body.</summary>
public static class Problem
{
    public const string Types = "urn:rostersync:problem:";

    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(Types + type, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>A validation problem (400) listing <paramref name="field"/> among its errors.</summary>
    public static async Task<JsonElement> AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertAsync(response, HttpStatusCode.BadRequest, "validation");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"No error for {field}: {errors}");
        return problem;
    }
}
