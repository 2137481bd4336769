using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace RosterSync.Api.Tests;

/// <summary>
/// Issue 11: the contract as the Api serves it at /openapi/v1.json. <see cref="Check"/> tells whether one answer keeps
/// it: the operation (method and path template) exists, the status is declared, the body is of a declared media
/// type and valid against its schema (JSON Schema 2020-12, formats asserted), a problem's type is one the response
/// lists, and the headers the response declares are present when required and valid when sent.
/// </summary>
public sealed class ServedContract
{
    /// <summary>Headers the Api sends that a client acts on: each must be declared where it is sent.</summary>
    private static readonly string[] TrackedHeaders = ["ETag", "Location", "Idempotent-Replayed", "Retry-After", "WWW-Authenticate"];

    private readonly List<Operation> _operations;
    private readonly JsonObject _definitions;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private sealed record Operation(string Method, string Template, Regex Path, int Literals, JsonObject Node)
    {
        public string Name => Node["operationId"]?.GetValue<string>() ?? $"{Method} {Template}";
    }

    public ServedContract(string document)
    {
        var root = JsonNode.Parse(document)!.AsObject();
        _definitions = Rewrite(root["components"]!["schemas"]!.DeepClone()).AsObject();
        _operations = [];
        foreach (var (template, item) in root["paths"]!.AsObject())
        {
            var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "/?$";
            var literals = template.Split('/').Count(s => s.Length > 0 && !s.StartsWith('{'));
            foreach (var (method, operation) in item!.AsObject())
                _operations.Add(new(method.ToUpperInvariant(), template, new Regex(pattern), literals, operation!.AsObject()));
        }
    }

    /// <summary>Null when the answer keeps the contract; otherwise what is wrong, naming the operation and status.</summary>
    public string? Check(HttpMethod method, string path, int status, HttpResponseHeaders headers, HttpContentHeaders? contentHeaders, string body)
    {
        var onPath = _operations.Where(o => o.Path.IsMatch(path)).ToList();
        // Not an Api operation (health, the document, the UI), a CORS preflight, or a method the path has not: 405.
        if (onPath.Count == 0 || method == HttpMethod.Options) return null;
        var operation = onPath.Where(o => o.Method == method.Method).OrderByDescending(o => o.Literals).FirstOrDefault();
        if (operation is null) return status == 405 ? null : $"{method} {path}: no operation in the document, answered {status}";

        var where = $"{operation.Name} ({operation.Method} {operation.Template}) answered {status}";
        var responses = operation.Node["responses"]!.AsObject();
        if (responses[status.ToString(CultureInfo.InvariantCulture)] is not JsonObject response)
            return $"{where}: status {status} is not declared (declared: {string.Join(", ", responses.Select(r => r.Key))}). Body: {Cut(body)}";

        var problems = new List<string>();
        CheckHeaders(response, headers, contentHeaders, problems);
        CheckBody(operation, status, response, contentHeaders, body, problems);
        return problems.Count == 0 ? null : $"{where}: {string.Join("; ", problems)}. Body: {Cut(body)}";
    }

    /// <summary>Every operation's response examples that fail their own schema, and operations without any example.</summary>
    public IEnumerable<string> ExampleViolations()
    {
        foreach (var operation in _operations)
        {
            var examples = 0;
            foreach (var (status, response) in operation.Node["responses"]!.AsObject())
            {
                foreach (var (mediaType, media) in response?["content"] as JsonObject ?? [])
                {
                    if (media?["example"] is not { } example || media["schema"] is not { } schemaNode) continue;
                    examples++;
                    var result = _schemas.GetOrAdd($"{operation.Method} {operation.Template} {status} {mediaType}", _ => Build(schemaNode))
                        .Evaluate(JsonDocument.Parse(example.ToJsonString()).RootElement, Evaluation);
                    foreach (var error in result.IsValid ? [] : Errors(result))
                        yield return $"{operation.Name} {status} {mediaType}: example fails its schema at {error}";
                }
            }
            if (examples == 0) yield return $"{operation.Name}: no response example";
        }
    }

    private void CheckBody(Operation operation, int status, JsonObject response, HttpContentHeaders? contentHeaders, string body, List<string> problems)
    {
        var content = response["content"] as JsonObject;
        var mediaType = contentHeaders?.ContentType?.MediaType;
        if (body.Length == 0)
        {
            if (content is { Count: > 0 } && status != 304) problems.Add($"an empty body, but the response declares {string.Join(", ", content.Select(c => c.Key))}");
            return;
        }
        if (content is null || mediaType is null || content[mediaType] is not JsonObject media)
        {
            problems.Add($"a body of {mediaType ?? "no media type"}, which the response does not declare");
            return;
        }
        if (media["schema"] is not { } schemaNode) return;
        JsonElement instance;
        try
        {
            instance = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException e)
        {
            problems.Add($"a body that is not JSON ({e.Message})");
            return;
        }
        var key = $"{operation.Method} {operation.Template} {status} {mediaType}";
        var schema = _schemas.GetOrAdd(key, _ => Build(schemaNode));
        var result = schema.Evaluate(instance, Evaluation);
        if (!result.IsValid)
            problems.AddRange(Errors(result).Select(e => $"body fails its schema at {e}"));
        if (mediaType == "application/problem+json" && response["x-problem-types"] is JsonArray types
            && instance.TryGetProperty("type", out var type) && !types.Any(t => t!.GetValue<string>() == type.GetString()))
            problems.Add($"problem type {type.GetString()} is not among the declared {string.Join(", ", types)}");
    }

    private static void CheckHeaders(JsonObject response, HttpResponseHeaders headers, HttpContentHeaders? contentHeaders, List<string> problems)
    {
        var declared = response["headers"] as JsonObject ?? [];
        string? Value(string name) =>
            headers.TryGetValues(name, out var values) || contentHeaders?.TryGetValues(name, out values) == true ? string.Join(",", values!) : null;
        foreach (var name in TrackedHeaders)
            if (Value(name) is not null && !declared.Any(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)))
                problems.Add($"header {name} is sent but not declared");
        foreach (var (name, header) in declared)
        {
            var value = Value(name);
            if (value is null)
            {
                if (header?["required"]?.GetValue<bool>() == true) problems.Add($"required header {name} is missing");
                continue;
            }
            var schema = header?["schema"];
            if (schema?["enum"] is JsonArray allowed && !allowed.Any(a => a!.ToString() == value))
                problems.Add($"header {name}: {value} is not one of {allowed.ToJsonString()}");
            if (schema?["type"]?.ToString() == "integer" && !(long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    && number >= (schema["minimum"]?.GetValue<long>() ?? long.MinValue)))
                problems.Add($"header {name}: {value} is not an integer within the schema");
            if (schema?["pattern"]?.GetValue<string>() is { } pattern && !Regex.IsMatch(value, pattern))
                problems.Add($"header {name}: {value} does not match {pattern}");
        }
    }

    /// <summary>A schema of its own per response: the response's schema with every component beside it as $defs.</summary>
    private JsonSchema Build(JsonNode schema)
    {
        var document = Rewrite(schema.DeepClone()) as JsonObject ?? new JsonObject { ["allOf"] = new JsonArray(Rewrite(schema.DeepClone())) };
        document["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        document["$defs"] = _definitions.DeepClone();
        return JsonSchema.FromText(document.ToJsonString(), new BuildOptions(), new Uri($"https://rostersync.test/contract/{Guid.NewGuid():N}"));
    }

    /// <summary>Points OpenAPI's component references at $defs.</summary>
    private static JsonNode Rewrite(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o.ToList())
                {
                    if (name == "$ref" && value?.GetValue<string>() is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                        o[name] = "#/$defs/" + reference["#/components/schemas/".Length..];
                    else if (value is not null) Rewrite(value);
                }
                break;
            case JsonArray a:
                foreach (var item in a) if (item is not null) Rewrite(item);
                break;
        }
        return node;
    }

    private static IEnumerable<string> Errors(EvaluationResults result) =>
        (result.Details ?? []).Prepend(result)
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"))
            .Distinct().Take(5);

    private static string Cut(string body) => body.Length > 600 ? body[..600] + "…" : body;
}

/// <summary>The error a test sees when an answer breaks the served contract.</summary>
public sealed class ContractViolationException(string message) : Exception(message);

/// <summary>
/// Between every test client and the Api: checks each answer against <see cref="ServedContract"/> and throws
/// <see cref="ContractViolationException"/>, failing the test that caused it.
/// </summary>
public sealed class ContractCheckingHandler(Func<Task<ServedContract>> contract) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var violation = (await contract()).Check(request.Method, request.RequestUri!.AbsolutePath, (int)response.StatusCode,
            response.Headers, response.Content.Headers, body);
        if (violation is not null) throw new ContractViolationException(violation);
        return response;
    }
}
