using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using RosterSync.Api.Auth;

namespace RosterSync.Api.Http;

/// <summary>
/// What a generated client needs beyond the handlers' signatures: the bearer scheme, each operation's required scope
/// (<c>x-scope</c>), and the Idempotency-Key and If-Match headers.
/// </summary>
public static class OpenApiConventions
{
    public const string BearerScheme = "bearer";

    public static OpenApiOptions AddRosterConventions(this OpenApiOptions options)
    {
        options.AddRosterExamples();
        // A PATCH body refuses members it does not take (PatchBody): say so, so a generated client sends none.
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type.IsAssignableTo(typeof(PatchBody))) schema.AdditionalPropertiesAllowed = false;
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "RosterSync",
                Version = "v1",
                Description = "Districts' people and classes kept in step with Clever, ClassLink and OneRoster SIS exports. See docs/api.md.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The operator key, or a district key created with POST /api/v1/districts/{districtId}/api-keys.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            // [AsParameters] records name query parameters after their C# properties; binding ignores case, clients see JSON case.
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Query) ?? [])
                parameter.Name = JsonNamingPolicy.CamelCase.ConvertName(parameter.Name!);
            if (metadata.OfType<ScopeMetadata>().FirstOrDefault() is { } scope)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions["x-scope"] = new JsonNodeExtension(JsonValue.Create(scope.Scope));
            }
            FlattenForm(operation);
            if (metadata.OfType<IdempotentMetadata>().Any())
                AddHeader(operation, Idempotency.Header, "Repeat a create safely: the same key and body answer the first result; another body answers 422.");
            // Only where a stale If-Match is refused: those operations, and only they, declare 412.
            if (operation.Responses?.ContainsKey("412") == true)
                AddHeader(operation, "If-Match", "The ETag you read; a stale one answers 412.");
            return Task.CompletedTask;
        });
        // Last: it reads the flattened form and the JSON names of query parameters.
        return options.AddRosterContract();
    }

    /// <summary>
    /// One object schema for a multipart form, not the allOf of one object per parameter that ASP.NET writes: NSwag
    /// drops a file from an allOf, and every generator reads a flat form best.
    /// </summary>
    private static void FlattenForm(OpenApiOperation operation)
    {
        if (operation.RequestBody?.Content?.TryGetValue("multipart/form-data", out var form) != true
            || form!.Schema is not OpenApiSchema { AllOf.Count: > 0 } schema)
            return;
        var flat = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>(), Required = new HashSet<string>() };
        foreach (var (name, property) in schema.AllOf.SelectMany(part => part.Properties ?? new Dictionary<string, IOpenApiSchema>()))
        {
            var binary = property is OpenApiSchemaReference { Reference.Id: "IFormFile" };
            flat.Properties[name] = binary ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } : property;
            if (binary) flat.Required.Add(name);
        }
        form.Schema = flat;
    }

    private static void AddHeader(OpenApiOperation operation, string name, string description)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = name, In = ParameterLocation.Header, Required = false, Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
    }
}
