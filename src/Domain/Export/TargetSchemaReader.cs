using System.Text.Json;
using System.Text.Json.Nodes;

namespace RosterSync.Domain.Export;

/// <summary>
/// Reads the target fields ("To Field") of a connection's operations from the target's OpenAPI document (3.0 or 3.1): each
/// operation's JSON request schema, with references, allOf, nested objects and arrays (a list becomes its first element,
/// <c>addresses[0].city</c>, as an SIS keeps a list of contacts where a form keeps guardian1_…), required fields, enums and
/// formats. Pure; throws <see cref="FormatException"/> naming what the document lacks.
/// </summary>
public static class TargetSchemaReader
{
    private const int MaxDepth = 8;

    public static List<TargetField> Read(string openApiJson, IReadOnlyList<TargetOperation> operations)
    {
        JsonObject document;
        try
        {
            document = JsonNode.Parse(openApiJson) as JsonObject ?? throw new FormatException("The OpenAPI document is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"The OpenAPI document is not JSON ({e.Message}).");
        }
        if (document["openapi"] is null && document["swagger"] is null) throw new FormatException("Not an OpenAPI document (no 'openapi' member).");
        var fields = new List<TargetField>();
        foreach (var operation in operations)
        {
            var name = Name(operation);
            var schema = document["paths"]?[operation.Path]?[operation.Method.ToLowerInvariant()]?["requestBody"]?["content"]?["application/json"]?["schema"]
                ?? throw new FormatException($"The document has no JSON request body for {name}.");
            Walk(document, Resolve(document, schema), name, "", true, 0, fields);
        }
        return fields;
    }

    public static string Name(TargetOperation operation) => $"{operation.Method.ToUpperInvariant()} {operation.Path}";

    private static void Walk(JsonObject document, JsonNode schema, string operation, string path, bool required, int depth, List<TargetField> fields)
    {
        if (depth > MaxDepth) return;
        var type = TypeOf(schema);
        if (type == "object")
        {
            var requiredNames = new HashSet<string>();
            foreach (var part in Parts(document, schema))
            {
                foreach (var r in part["required"]?.AsArray() ?? []) requiredNames.Add(r!.GetValue<string>());
            }
            foreach (var part in Parts(document, schema))
                foreach (var (name, property) in part["properties"]?.AsObject() ?? [])
                    Walk(document, Resolve(document, property!), operation, path.Length == 0 ? name : $"{path}.{name}",
                        required && requiredNames.Contains(name), depth + 1, fields);
            return;
        }
        if (type == "array")
        {
            // The first element of a list is required only when the list is and must not be empty.
            var items = schema["items"] is { } i ? Resolve(document, i) : new JsonObject { ["type"] = "string" };
            Walk(document, items, operation, path + "[0]", required && (schema["minItems"]?.GetValue<int>() ?? 0) > 0, depth + 1, fields);
            return;
        }
        var enumValues = schema["enum"]?.AsArray().Select(v => v?.ToString() ?? "").ToList();
        fields.Add(new TargetField(operation, path, type, schema["format"]?.GetValue<string>(), required, enumValues,
            schema["maxLength"]?.GetValue<int>(), schema["pattern"]?.GetValue<string>()));
    }

    /// <summary>The schema and its allOf parts, each resolved.</summary>
    private static IEnumerable<JsonNode> Parts(JsonObject document, JsonNode schema)
    {
        yield return schema;
        foreach (var part in schema["allOf"]?.AsArray() ?? []) yield return Resolve(document, part!);
    }

    private static string TypeOf(JsonNode schema)
    {
        var type = schema["type"] switch
        {
            JsonValue v => v.GetValue<string>(),
            JsonArray a => a.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null"),
            _ => null,
        };
        return type ?? (schema["properties"] is not null || schema["allOf"] is not null ? "object" : "string");
    }

    private static JsonNode Resolve(JsonObject document, JsonNode schema)
    {
        for (var hops = 0; schema["$ref"] is JsonValue reference; hops++)
        {
            var pointer = reference.GetValue<string>();
            if (hops > MaxDepth || !pointer.StartsWith("#/", StringComparison.Ordinal))
                throw new FormatException($"Only local references are followed ('{pointer}').");
            JsonNode? target = document;
            foreach (var segment in pointer[2..].Split('/')) target = target?[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
            schema = target ?? throw new FormatException($"The reference '{pointer}' points nowhere.");
        }
        return schema;
    }
}
