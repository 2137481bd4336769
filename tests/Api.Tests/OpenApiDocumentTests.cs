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
    public async Task Every_component_schema_is_referenced_from_an_operation_so_generators_emit_no_dead_types()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        const string prefix = "#/components/schemas/";
        static IEnumerable<string> References(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => e.EnumerateObject().SelectMany(p => p.Name == "$ref" && p.Value.GetString() is { } r && r.StartsWith(prefix, StringComparison.Ordinal)
                ? new[] { r[prefix.Length..] }
                : References(p.Value)),
            JsonValueKind.Array => e.EnumerateArray().SelectMany(References),
            _ => [],
        };
        // Reached from the paths, then through the schemas those reach.
        var reached = new HashSet<string>();
        var pending = new Stack<string>(References(document.GetProperty("paths")));
        while (pending.TryPop(out var name))
            if (reached.Add(name) && schemas.TryGetProperty(name, out var schema))
                foreach (var next in References(schema)) pending.Push(next);
        Assert.DoesNotContain(schemas.EnumerateObject().Select(s => s.Name), n => !reached.Contains(n));
        Assert.False(schemas.TryGetProperty("HttpValidationProblemDetails", out _));
        Assert.False(schemas.TryGetProperty("IFormFile", out _));
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
        // A webhook has no ETag: its PATCH must not invite an If-Match it would ignore.
        var webhook = document.GetProperty("paths").GetProperty("/api/v1/districts/{districtId}/webhooks/{id}").GetProperty("patch");
        Assert.DoesNotContain(webhook.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateArray().ToList() : [],
            p => p.Str("name") == "If-Match");
    }

    /// <summary>Issue 11: what a typed client reads from the document besides the answers' shapes.</summary>
    [Fact]
    public async Task Closed_vocabularies_are_enums_read_from_the_code()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        string[] Enum(string name) => [.. schemas.GetProperty(name).GetProperty("enum").EnumerateArray().Select(v => v.GetString()!)];
        Assert.Equal(["queued", "running", "awaiting-approval", "succeeded", "failed", "cancelled"], Enum("RunStatus"));
        Assert.Equal(["roster:read", "roster:write", "sync:run", "settings:write", "events:read", "registrations:write", "export:run"], Enum("Scope"));
        Assert.Equal(["upload", "clever", "classlink", "oneroster-sftp", "revert"], Enum("RunSourceKind"));
        Assert.Equal("#/components/schemas/RunStatus", schemas.GetProperty("RunDto").GetProperty("properties").GetProperty("status").Str("$ref"));
        Assert.Equal("#/components/schemas/Role", schemas.GetProperty("PersonDto").GetProperty("properties").GetProperty("roles").GetProperty("items").Str("$ref"));
        Assert.Equal("#/components/schemas/AbandonedStudentPolicy",
            schemas.GetProperty("SyncSettingsDocument").GetProperty("properties").GetProperty("abandonedStudents").Str("$ref"));
        var people = document.GetProperty("paths").GetProperty("/api/v1/districts/{districtId}/people").GetProperty("get").GetProperty("parameters");
        Assert.Equal("#/components/schemas/Role", people.EnumerateArray().Single(p => p.Str("name") == "role").GetProperty("schema").Str("$ref"));
        Assert.Equal(100, people.EnumerateArray().Single(p => p.Str("name") == "limit").GetProperty("schema").GetProperty("default").GetInt32());
    }

    [Fact]
    public async Task Patch_bodies_are_merge_patches_with_optional_members()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var path in new[] { "/api/v1/districts/{districtId}/people/{id}", "/api/v1/districts/{districtId}/classes/{id}",
                     "/api/v1/districts/{districtId}/schools/{id}", "/api/v1/districts/{districtId}/sync-settings" })
        {
            var content = document.GetProperty("paths").GetProperty(path).GetProperty("patch").GetProperty("requestBody").GetProperty("content");
            var reference = content.GetProperty("application/merge-patch+json").GetProperty("schema").Str("$ref")!;
            var schema = schemas.GetProperty(reference.Split('/')[^1]);
            Assert.False(schema.TryGetProperty("required", out var required) && required.GetArrayLength() > 0, $"{path}: required members");
            Assert.NotEqual("JsonObject", reference.Split('/')[^1]);
        }
        Assert.Contains("unchanged", schemas.GetProperty("PersonPatch").GetProperty("properties").GetProperty("middleName").Str("description"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Problems_require_type_title_and_status_and_responses_declare_their_types_and_headers()
    {
        var document = await DocumentAsync();
        var problem = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails");
        Assert.Equal(["status", "title", "type"], problem.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order());
        foreach (var member in new[] { "traceId", "rule", "fields", "errors" }) Assert.True(problem.GetProperty("properties").TryGetProperty(member, out _), member);

        var paths = document.GetProperty("paths");
        var createDistrict = paths.GetProperty("/api/v1/districts").GetProperty("post").GetProperty("responses");
        Assert.True(createDistrict.TryGetProperty("400", out _));
        Assert.True(createDistrict.GetProperty("201").GetProperty("headers").GetProperty("Location").GetProperty("required").GetBoolean());
        Assert.True(createDistrict.GetProperty("401").GetProperty("headers").TryGetProperty("WWW-Authenticate", out _));
        Assert.True(createDistrict.GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _));
        Assert.True(createDistrict.GetProperty("201").GetProperty("headers").TryGetProperty("Idempotent-Replayed", out _));
        var test = paths.GetProperty("/api/v1/districts/{districtId}/sync-settings/test").GetProperty("post").GetProperty("responses");
        Assert.Equal("urn:rostersync:problem:source-settings", test.GetProperty("422").GetProperty("x-problem-types")[0].GetString());
        Assert.Equal("urn:rostersync:problem:source-failed", test.GetProperty("502").GetProperty("x-problem-types")[0].GetString());
        Assert.Contains("source-failed", test.GetProperty("502").Str("description"), StringComparison.Ordinal);
        var getPerson = paths.GetProperty("/api/v1/districts/{districtId}/people/{id}").GetProperty("get").GetProperty("responses");
        Assert.True(getPerson.GetProperty("200").GetProperty("headers").TryGetProperty("ETag", out _));
        var createdAt = document.GetProperty("components").GetProperty("schemas").GetProperty("PersonDto").GetProperty("properties").GetProperty("createdAt");
        Assert.Equal("date-time", createdAt.Str("format"));
    }
}
