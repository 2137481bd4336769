using System.Text.Json;

namespace RosterSync.Api.Tests;

/// <summary>Issue 6: a document good enough that a generated client works without hand edits.</summary>
[Collection(SharedApi.Name)]
public sealed class OpenApiDocumentTests(ApiFactory api)
{
    private async Task<JsonElement> DocumentAsync() =>
        JsonDocument.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (p.Name, o.Name, o.Value)));

    [Fact]
    public async Task The_main_schemas_carry_examples_in_the_shapes_of_the_spec()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");
        foreach (var name in new[] { "PersonDto", "RunDto", "RunChangeDto", "RunIssueDto", "ClassDto", "SchoolDto", "DistrictDto" })
        {
            var example = schemas.GetProperty(name).GetProperty("examples")[0];
            Assert.Equal(JsonValueKind.Object, example.ValueKind);
        }
        Assert.Equal("R3", schemas.GetProperty("RunChangeDto").GetProperty("examples")[0].GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Patch_bodies_declare_that_they_take_no_other_members()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");
        foreach (var name in new[] { "PersonPatch", "ClassPatch", "SchoolPatch" })
        {
            Assert.False(schemas.GetProperty(name).GetProperty("additionalProperties").GetBoolean());
            Assert.False(schemas.GetProperty(name).GetProperty("properties").TryGetProperty("otherMembers", out _));
        }
    }

    [Fact]
    public async Task Every_operation_has_a_unique_operation_id()
    {
        var ids = Operations(await DocumentAsync()).Select(o => o.Operation.TryGetProperty("operationId", out var id) ? id.GetString() : $"missing: {o.Method} {o.Path}").ToList();
        Assert.DoesNotContain(ids, id => id!.StartsWith("missing", StringComparison.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task Every_api_operation_declares_the_bearer_scheme_its_scope_and_its_problems()
    {
        var document = await DocumentAsync();
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", scheme.Str("type"));
        Assert.Equal("bearer", scheme.Str("scheme"));
        foreach (var (path, method, operation) in Operations(document).Where(o => o.Path.StartsWith("/api/v1/", StringComparison.Ordinal)))
        {
            Assert.True(operation.TryGetProperty("security", out var security) && security.GetArrayLength() > 0, $"{method} {path}: no security");
            Assert.True(operation.TryGetProperty("x-scope", out _), $"{method} {path}: no x-scope");
            var responses = operation.GetProperty("responses");
            foreach (var status in new[] { "401", "403", "404", "429", "503" })
            {
                Assert.True(responses.TryGetProperty(status, out var response), $"{method} {path}: no {status}");
                Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{method} {path}: {status} is not a problem");
            }
        }
    }

    [Fact]
    public async Task Numbers_are_plain_integers_and_creates_take_an_idempotency_key()
    {
        var document = await DocumentAsync();
        var person = document.GetProperty("components").GetProperty("schemas").GetProperty("PersonDto");
        var year = person.GetProperty("properties").GetProperty("graduationYear");
        Assert.DoesNotContain("string", year.GetRawText(), StringComparison.Ordinal);
        var create = document.GetProperty("paths").GetProperty("/api/v1/districts/{districtId}/people").GetProperty("post");
        Assert.Contains(create.GetProperty("parameters").EnumerateArray(), p => p.Str("name") == "Idempotency-Key");
        var patch = document.GetProperty("paths").GetProperty("/api/v1/districts/{districtId}/people/{id}").GetProperty("patch");
        Assert.Contains(patch.GetProperty("parameters").EnumerateArray(), p => p.Str("name") == "If-Match");
    }
}
