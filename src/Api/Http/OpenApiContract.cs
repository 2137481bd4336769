using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using RosterSync.Api.SyncSettings;
using RosterSync.Domain.Model;

namespace RosterSync.Api.Http;

/// <summary>The problem types an operation answers with <see cref="Status"/>, beside the ones every such status has.</summary>
public sealed record ProblemTypesMetadata(int Status, IReadOnlyList<string> Types);

/// <summary>Marks an operation whose 2xx answer carries the record's ETag.</summary>
public sealed record ETagMetadata;

/// <summary>
/// Makes the document exact (issue 11): every status an operation answers with the problem types it can carry
/// (description and <c>x-problem-types</c>), the headers each answer sends, enums for closed vocabularies, merge-patch
/// bodies with optional members, problem details with their extension members, defaults, examples and one date-time
/// format. The Api tests validate every answer they receive against this document.
/// </summary>
public static class OpenApiContract
{
    public const string MergePatch = "application/merge-patch+json";
    public const string ProblemTypesExtension = "x-problem-types";

    /// <summary>Every answer writes date-times as UTC with 6 fractional digits (PostgreSQL keeps microseconds).</summary>
    public const string DateTimePattern = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$";

    /// <summary>The types any answer of a status may carry, whatever the operation.</summary>
    private static readonly Dictionary<int, string[]> CommonTypes = new()
    {
        [400] = [ProblemTypes.Validation, ProblemTypes.BadRequest],
        [401] = [ProblemTypes.Unauthorized],
        [403] = [ProblemTypes.Forbidden],
        [404] = [ProblemTypes.NotFound],
        [412] = [ProblemTypes.PreconditionFailed],
        [413] = [ProblemTypes.PayloadTooLarge],
        [415] = [ProblemTypes.UnsupportedMediaType],
        [429] = [ProblemTypes.RateLimited],
        [503] = [ProblemTypes.Unavailable],
    };

    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, int status, params string[] types) =>
        builder.ProducesProblem(status).WithMetadata(new ProblemTypesMetadata(status, types));

    public static RouteHandlerBuilder WithETag(this RouteHandlerBuilder builder) => builder.WithMetadata(new ETagMetadata());

    public static OpenApiOptions AddRosterContract(this OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            DescribeSchema(schema, context.JsonTypeInfo.Type, context.JsonTypeInfo, answer: context.ParameterDescription is null);
            // Marked here, replaced by a reference at the end: the generator still walks the properties after this.
            if (context.JsonPropertyInfo is { } member
                && (member.AttributeProvider?.GetCustomAttributes(typeof(ClosedAttribute), true).OfType<ClosedAttribute>().FirstOrDefault()?.Vocabulary
                    ?? DomainVocabulary(member.DeclaringType, member.Name)) is { } vocabulary)
            {
                schema.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                schema.Extensions[VocabularyMark] = new JsonNodeExtension(JsonValue.Create(vocabulary.Name));
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            DescribeOperation(operation, context);
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            foreach (var vocabulary in Vocabularies.All)
                document.Components.Schemas[vocabulary.Name] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Description = vocabulary.Description,
                    Enum = [.. vocabulary.Values.Select(v => (JsonNode)JsonValue.Create(v))],
                };
            // Registration answers and previews are free-form JSON objects (checked against the field catalogue, not the document).
            document.Components.Schemas[nameof(JsonObject)] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object, Description = "A JSON object whose members are not fixed by this document.",
            };
            var seen = new HashSet<IOpenApiSchema>();
            foreach (var schema in document.Components.Schemas.Values) ReferenceVocabularies(schema, seen);
            AddResponseExamples(document);
            return Task.CompletedTask;
        });
        return options;
    }

    private static void DescribeSchema(OpenApiSchema schema, Type type, System.Text.Json.Serialization.Metadata.JsonTypeInfo info, bool answer)
    {
        var plain = Nullable.GetUnderlyingType(type) ?? type;
        if (plain == typeof(DateTimeOffset) || plain == typeof(DateTime))
        {
            // The converter (JsonDateTimes) hides the type from the schema exporter: say it here. A query parameter
            // takes any ISO 8601 date-time; a body member is written in the one format of the answers.
            schema.Type = JsonSchemaType.String | (plain != type && answer ? JsonSchemaType.Null : 0);
            schema.Format = "date-time";
            if (answer) schema.Pattern = DateTimePattern;
            return;
        }
        if (type == typeof(ProblemDetails) || type == typeof(HttpValidationProblemDetails))
        {
            DescribeProblem(schema, validation: type == typeof(HttpValidationProblemDetails));
            return;
        }
        if (info.Kind != System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object || schema.Properties is null) return;
        if (type.IsAssignableTo(typeof(PatchBody)))
        {
            // Merge patch: every member optional; their descriptions say what null means.
            schema.Required?.Clear();
        }
        if (type == typeof(SyncSettingsInput)) SetDefaults(schema, new SyncSettingsInput());
    }

    /// <summary>Members of Domain records, which cannot carry the Api's attribute.</summary>
    private static Vocabulary? DomainVocabulary(Type type, string property) => (type.Name, property) switch
    {
        (nameof(SyncFilters), "roles") => Vocabularies.Role,
        _ => null,
    };

    private const string VocabularyMark = "x-rostersync-vocabulary";

    /// <summary>Replaces every member marked with a vocabulary by a reference to its enum schema.</summary>
    private static void ReferenceVocabularies(IOpenApiSchema? schema, HashSet<IOpenApiSchema> seen)
    {
        if (schema is not OpenApiSchema concrete || !seen.Add(concrete)) return;
        foreach (var (name, member) in concrete.Properties?.ToList() ?? [])
        {
            if (member is OpenApiSchema { Extensions: { } marks } marked && marks.Remove(VocabularyMark, out var mark))
                concrete.Properties![name] = Closed(Vocabularies.All.Single(v => v.Name == ((JsonNodeExtension)mark).Node.GetValue<string>()), marked);
            else ReferenceVocabularies(member, seen);
        }
        ReferenceVocabularies(concrete.Items, seen);
        ReferenceVocabularies(concrete.AdditionalProperties, seen);
        foreach (var part in (concrete.OneOf ?? []).Concat(concrete.AllOf ?? []).Concat(concrete.AnyOf ?? [])) ReferenceVocabularies(part, seen);
    }

    /// <summary>A reference to the vocabulary's enum schema, kept an array or nullable as <paramref name="current"/> was.</summary>
    private static IOpenApiSchema Closed(Vocabulary vocabulary, OpenApiSchema current)
    {
        var reference = new OpenApiSchemaReference(vocabulary.Name);
        var nullable = (current.Type & JsonSchemaType.Null) != 0 || current.OneOf?.Any(s => s.Type == JsonSchemaType.Null) == true;
        var isArray = (current.Type & JsonSchemaType.Array) != 0;
        IOpenApiSchema closed = isArray ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = reference } : reference;
        if (!nullable) return closed;
        if (isArray) ((OpenApiSchema)closed).Type |= JsonSchemaType.Null;
        else closed = new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, reference] };
        return closed;
    }

    private static void SetDefaults(OpenApiSchema schema, object defaults)
    {
        var values = JsonSerializer.SerializeToNode(defaults, defaults.GetType(), JsonSerializerOptions.Web)!.AsObject();
        foreach (var (name, value) in values)
        {
            if (schema.Properties!.TryGetValue(name, out var property) && property is OpenApiSchema concrete)
                concrete.Default = value?.DeepClone();
        }
    }

    private static void DescribeProblem(OpenApiSchema schema, bool validation)
    {
        static OpenApiSchema Text(string description, bool nullable = false) =>
            new() { Type = JsonSchemaType.String | (nullable ? JsonSchemaType.Null : 0), Description = description };
        schema.Description = "An RFC 9457 problem. Switch on type: it is stable (docs/api.md lists every type).";
        schema.Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = Text("A stable urn:rostersync:problem:… identifier of the problem."),
            ["title"] = Text("A short summary, the same for every problem of this type."),
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status." },
            ["detail"] = Text("What went wrong this time.", nullable: true),
            ["instance"] = Text("The request it is about.", nullable: true),
            ["traceId"] = Text("The W3C trace id of the request, to find it in the Api's logs and traces."),
            ["rule"] = Text("The reconciliation rule (SPEC §4) that refused the request, e.g. R19."),
            ["fields"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object, AdditionalProperties = Text("The rule."),
                Description = "The fields a rule refused, each with the rule that refused it.",
            },
        };
        // Only a validation problem (type …:validation) has errors.
        schema.Properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object, Description = "The invalid fields by JSON name (a path for nested ones), each with its messages.",
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        schema.Required = new HashSet<string> { "type", "title", "status" };
        if (validation) schema.Required.Add("errors");
    }

    private static void DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var document = context.Document;
        operation.Responses ??= new OpenApiResponses();
        var hasBody = operation.RequestBody?.Content?.Count > 0;
        var hasQuery = operation.Parameters?.Any(p => p.In == ParameterLocation.Query) == true;
        var idempotent = metadata.OfType<IdempotentMetadata>().Any();

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Query) ?? [])
            DescribeQueryParameter(parameter, description.ParameterDescriptions);

        // PATCH is a JSON merge patch (RFC 7396); application/json is still read, as before.
        if (description.HttpMethod == "PATCH" && operation.RequestBody?.Content is { } patchContent)
        {
            if (patchContent.Remove("application/json", out var json)) patchContent[MergePatch] = json;
            // A handler that merges the patch itself reads a JsonObject: the document names the type it patches.
            if (patchContent.TryGetValue(MergePatch, out var patch) && patch.Schema is OpenApiSchemaReference { Reference.Id: nameof(JsonObject) }
                && metadata.OfType<IAcceptsMetadata>().LastOrDefault(a => a.RequestType is not null && a.RequestType != typeof(JsonObject))?.RequestType is { } patched)
                patch.Schema = new OpenApiSchemaReference(patched.Name, document);
        }

        if (operation.RequestBody?.Content?.TryGetValue("multipart/form-data", out var form) == true
            && form.Schema is OpenApiSchema { Properties: { } fields })
        {
            if (fields.ContainsKey("kind"))
                fields["kind"] = new OpenApiSchema { AllOf = [new OpenApiSchemaReference(Vocabularies.ImportKind.Name)], Default = JsonValue.Create(Domain.Snapshots.SnapshotReader.Roster) };
            if (fields.TryGetValue("dryRun", out var dryRun) && dryRun is OpenApiSchema dry) dry.Default = JsonValue.Create(false);
        }

        // What any Api operation can answer beyond its handler: a body or query the framework cannot read or that
        // fails validation (400), a body of another media type (415).
        if (hasBody || hasQuery || idempotent) AddProblem(operation, document, 400);
        if (hasBody) AddProblem(operation, document, 415);

        foreach (var (code, response) in operation.Responses.ToList())
        {
            if (response is not OpenApiResponse concrete || !int.TryParse(code, out var status)) continue;
            if (status >= 400) DescribeProblemResponse(concrete, status, metadata);
            DescribeHeaders(concrete, status, metadata, idempotent);
        }
    }

    private static void DescribeQueryParameter(OpenApiParameter parameter, IList<Microsoft.AspNetCore.Mvc.ApiExplorer.ApiParameterDescription> descriptions)
    {
        var described = descriptions.FirstOrDefault(d => string.Equals(d.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
        var info = (described?.ParameterDescriptor as Microsoft.AspNetCore.Mvc.Infrastructure.IParameterInfoParameterDescriptor)?.ParameterInfo;
        if (info?.GetCustomAttribute<OneOfAttribute>() is { } oneOf)
            parameter.Schema = new OpenApiSchemaReference(oneOf.Vocabulary.Name);
        if (parameter.Name == "limit" && parameter.Schema is OpenApiSchema limit)
        {
            limit.Default = JsonValue.Create(Paging.DefaultLimit);
            parameter.Description ??= $"Items per page: {Paging.DefaultLimit} unless given, at most {Paging.MaxLimit}.";
        }
        if (parameter.Name == "cursor")
            parameter.Description ??= "The nextCursor of the previous page; left out for the first page.";
        if (parameter.Name == "includeEnded" && parameter.Schema is OpenApiSchema includeEnded)
            includeEnded.Default = JsonValue.Create(false);
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiDocument? document, int status)
    {
        var key = status.ToString(CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key)) return;
        operation.Responses[key] = new OpenApiResponse
        {
            Description = ReasonPhrase(status),
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new()
                {
                    Schema = new OpenApiSchemaReference("ProblemDetails", document),
                },
            },
        };
    }

    private static void DescribeProblemResponse(OpenApiResponse response, int status, IList<object> metadata)
    {
        var types = CommonTypes.GetValueOrDefault(status, [])
            .Concat(metadata.OfType<ProblemTypesMetadata>().Where(m => m.Status == status).SelectMany(m => m.Types))
            .Distinct().ToList();
        if (types.Count == 0) types.Add(ProblemTypes.ForStatus(status));
        response.Description = $"{ReasonPhrase(status)}. Problem types: {string.Join(", ", types)}.";
        response.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        response.Extensions[ProblemTypesExtension] = new JsonNodeExtension(new JsonArray([.. types.Select(t => (JsonNode)JsonValue.Create(t))]));
        // A 400 may be a validation problem or a body the framework could not read: one schema for both.
        if (status == 400 && response.Content?.TryGetValue("application/problem+json", out var media) == true)
            media.Schema = new OpenApiSchemaReference("ProblemDetails");
        if (response.Content?.TryGetValue("application/problem+json", out var problem) == true)
        {
            var example = new JsonObject
            {
                ["type"] = types[0], ["title"] = ReasonPhrase(status), ["status"] = status,
                ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            };
            if (types[0] == ProblemTypes.Validation) example["errors"] = new JsonObject { ["limit"] = new JsonArray("limit must be between 1 and 1000.") };
            problem.Example = example;
        }
    }

    private static void DescribeHeaders(OpenApiResponse response, int status, IList<object> metadata, bool idempotent)
    {
        void Header(string name, string description, bool required, OpenApiSchema schema)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[name] = new OpenApiHeader { Description = description, Required = required, Schema = schema };
        }
        var text = new OpenApiSchema { Type = JsonSchemaType.String };
        if (status is 201 or 202)
            Header("Location", status == 201 ? "The new record." : "The run; poll it until it finishes.", true, text);
        if (status is >= 200 and < 300 && metadata.OfType<ETagMetadata>().Any())
            Header("ETag", "The record's version: send it as If-Match to PATCH or PUT only what you read.", false, new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^\"[0-9]+\"$" });
        if (status is >= 200 and < 300 && idempotent)
            Header(Idempotency.ReplayedHeader, "true when this is the stored answer to an earlier request with the same Idempotency-Key.", false,
                new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("true")] });
        if (status is 429 or 503)
            Header("Retry-After", "Seconds to wait before trying again.", status == 429, new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" });
        if (status == 401)
            Header("WWW-Authenticate", "Bearer: send Authorization: Bearer <key>.", true, new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("Bearer")] });
    }

    private static void AddResponseExamples(OpenApiDocument document)
    {
        var schemas = document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>();
        JsonNode? ExampleOf(IOpenApiSchema? schema) => schema switch
        {
            OpenApiSchemaReference { Reference.Id: { } id } when schemas.TryGetValue(id, out var target) => ExampleOf(target),
            OpenApiSchema { Examples.Count: > 0 } s => s.Examples[0]?.DeepClone(),
            _ => null,
        };
        // A page's example: one item of its kind.
        foreach (var page in schemas.Values.OfType<OpenApiSchema>())
        {
            if (page.Properties is not { } members || !members.ContainsKey("nextCursor") || page.Examples?.Count > 0
                || !members.TryGetValue("items", out var items) || ExampleOf(items.Items) is not { } item)
                continue;
            var example = new JsonObject { ["items"] = new JsonArray(item), ["nextCursor"] = "AZLsPqXcfHaAU2Vj1OE2jw" };
            if (members.ContainsKey("hasMore")) example["hasMore"] = false;
            page.Examples = [example];
        }
        var responses = document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? [])
            .SelectMany(o => o.Responses?.Values.AsEnumerable() ?? []);
        foreach (var media in responses.SelectMany(r => r.Content?.Values.AsEnumerable() ?? []))
            if (media.Example is null && ExampleOf(media.Schema) is { } example) media.Example = example;
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
    private const string SchemaRefPrefix = "#/components/schemas/";

    /// <summary>
    /// Register last: drops component schemas nothing reaches from the operations. The framework registers some it then
    /// stops using after our transformers (<c>HttpValidationProblemDetails</c>: every 400 answers ProblemDetails;
    /// <c>IFormFile</c>: the flattened form writes the file as a binary string), and a generator would emit them as types.
    /// </summary>
    public static OpenApiOptions PruneUnreferencedSchemas(this OpenApiOptions options) =>
        options.AddDocumentTransformer(async (document, _, ct) =>
        {
            if (document.Components?.Schemas is not { Count: > 0 } schemas) return;
            // The serialized document is the one place every reference shows up, however deep the object model holds it.
            var json = JsonNode.Parse(await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, ct))!;
            var componentSchemas = json["components"]?["schemas"]?.AsObject();
            componentSchemas?.Parent!.AsObject().Remove("schemas");
            var reached = new HashSet<string>();
            var pending = new Stack<string>(SchemaReferences(json));
            while (pending.TryPop(out var id))
                if (reached.Add(id) && componentSchemas?[id] is { } schema)
                    foreach (var next in SchemaReferences(schema)) pending.Push(next);
            foreach (var id in schemas.Keys.Where(id => !reached.Contains(id)).ToList()) schemas.Remove(id);
        });

    private static IEnumerable<string> SchemaReferences(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "$ref" && p.Value is JsonValue v && v.TryGetValue(out string? r) && r.StartsWith(SchemaRefPrefix, StringComparison.Ordinal)
            ? new[] { r[SchemaRefPrefix.Length..] }
            : SchemaReferences(p.Value)),
        JsonArray a => a.SelectMany(SchemaReferences),
        _ => [],
    };
}
