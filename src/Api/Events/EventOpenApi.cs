using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using RosterSync.Api.Webhooks;
using RosterSync.Domain.Events;

namespace RosterSync.Api.Events;

/// <summary>The closed vocabularies of the events and webhook schemas, as enums a generated client can type.</summary>
public static class EventOpenApi
{
    private static readonly Dictionary<(Type, string), IReadOnlyList<string>> Enums = new()
    {
        [(typeof(FeedEvent), "type")] = EventTypes.All,
        [(typeof(RunOutcome), "status")] = EventTypes.AnyRunStatus,
        [(typeof(DeliveryDto), "status")] = DeliveryStatus.All,
    };

    public static OpenApiOptions AddEventSchemas(this OpenApiOptions options) =>
        options.AddSchemaTransformer((schema, context, _) =>
        {
            foreach (var ((type, property), values) in Enums)
                if (context.JsonTypeInfo.Type == type && schema.Properties?.TryGetValue(property, out var member) == true && member is OpenApiSchema text)
                    text.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
            return Task.CompletedTask;
        });
}
