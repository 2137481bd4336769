using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RosterSync.Domain.Export;

/// <summary>A target field's value for one registration, beside the source value it came from (the preview's rows).</summary>
public sealed record MappedValue(string Operation, string Target, string Type, string? Source, string? SourceValue, JsonNode? Value, string? Error);

/// <summary>One operation's request body.</summary>
public sealed record OperationPayload(string Operation, JsonObject Body);

/// <summary>What a registration maps to: a body per operation, in order; errors by <c>operation target</c> when it cannot be sent.</summary>
public sealed record MappedRegistration(IReadOnlyList<OperationPayload> Payloads, IReadOnlyList<MappedValue> Values, IReadOnlyDictionary<string, string> Errors)
{
    /// <summary>SHA-256 of the bodies in order: the same hash as the last successful send means <c>unchanged</c>.</summary>
    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Join('\n', Payloads.Select(p => p.Operation + " " + p.Body.ToJsonString())))));
}

/// <summary>Builds target payloads from a registration's source values and a connection's mappings. Pure.</summary>
public static class PayloadMapper
{
    public static MappedRegistration Map(
        IReadOnlyList<TargetOperation> operations, IReadOnlyList<TargetField> targets, IReadOnlyList<FieldMapping> mappings,
        IReadOnlyDictionary<string, string?> source, DateOnly today)
    {
        var bodies = operations.Select(o => new OperationPayload(TargetSchemaReader.Name(o), new JsonObject())).ToList();
        var values = new List<MappedValue>();
        var errors = new Dictionary<string, string>();
        var fields = targets.ToDictionary(t => (t.Operation, t.Path));
        foreach (var mapping in mappings.Where(m => m.Type != MappingTypes.None))
        {
            if (!fields.TryGetValue((mapping.Operation, mapping.Target), out var target)) continue;
            // A transform names the fields it reads inside its tree: the preview shows those values beside the result.
            var sourceField = mapping.Source ?? (mapping.Transform is { } t ? string.Join(", ", TransformInterpreter.Fields(t)) : null);
            var sourceValue = sourceField is null ? null
                : string.Join(", ", sourceField.Split(", ").Select(f => source.GetValueOrDefault(f)).OfType<string>()) is { Length: > 0 } joined ? joined : null;
            JsonNode? value = null;
            string? error = null;
            try
            {
                var text = Value(mapping, mapping.Source is null ? null : source.GetValueOrDefault(mapping.Source), source, today);
                value = text is null ? null : Convert(target, text);
                error = value is null ? null : ValueError(target, value);
            }
            catch (TransformException e)
            {
                error = e.Message;
            }
            values.Add(new MappedValue(mapping.Operation, mapping.Target, mapping.Type, sourceField is { Length: > 0 } ? sourceField : null, sourceValue, value?.DeepClone(), error));
            if (error is not null) errors[Key(target)] = error;
            else if (value is not null && bodies.FirstOrDefault(b => b.Operation == mapping.Operation) is { } body) Set(body.Body, target.Path, value);
        }
        foreach (var body in bodies)
            foreach (var target in targets.Where(t => t.Operation == body.Operation && t.Required && !errors.ContainsKey(Key(t)) && Get(body.Body, t.Path) is null))
                errors[Key(target)] = "Required by the target, and this registration gives no value.";
        return new(bodies, values, errors);
    }

    public static string Key(TargetField target) => $"{target.Operation} {target.Path}";

    /// <summary>The text a mapping gives (null: empty), before it is converted to the target's type.</summary>
    public static string? Value(FieldMapping mapping, string? sourceValue, IReadOnlyDictionary<string, string?> source, DateOnly today) => mapping.Type switch
    {
        MappingTypes.Direct => sourceValue,
        MappingTypes.Codes => sourceValue is null ? null
            : mapping.Codes?.FirstOrDefault(c => string.Equals(c.Key, sourceValue, StringComparison.OrdinalIgnoreCase)).Value
              ?? throw new TransformException($"The code table has no code for '{sourceValue}'."),
        MappingTypes.Transform => TransformInterpreter.Evaluate(mapping.Transform!, source, today),
        _ => null,
    };

    /// <summary>The JSON value for a target's type; a text that is not one throws.</summary>
    public static JsonNode Convert(TargetField target, string text) => target.Type switch
    {
        "integer" => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n)
            : throw new TransformException($"'{text}' is not an integer, which {target.Path} is."),
        "number" => decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? JsonValue.Create(d)
            : throw new TransformException($"'{text}' is not a number, which {target.Path} is."),
        "boolean" => bool.TryParse(text, out var b) ? JsonValue.Create(b)
            : throw new TransformException($"'{text}' is not true or false, which {target.Path} is."),
        _ => JsonValue.Create(text),
    };

    /// <summary>Why the target would refuse a value (format, enum, length, pattern); null when it would take it.</summary>
    public static string? ValueError(TargetField target, JsonNode value)
    {
        if (target.Type != "string") return null;
        var text = value.GetValue<string>();
        if (target.Enum is { Count: > 0 } allowed && !allowed.Contains(text)) return $"'{text}' is not one of the target's values for {target.Path}.";
        if (target.MaxLength is { } max && text.Length > max) return $"{target.Path} takes at most {max} characters.";
        var formatOk = target.Format switch
        {
            "date" => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
            "date-time" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _) && text.Contains('T', StringComparison.Ordinal),
            "email" => text.Contains('@', StringComparison.Ordinal),
            _ => true,
        };
        if (!formatOk) return $"'{text}' is not a {target.Format}, which {target.Path} is{(target.Format == "date" ? " (yyyy-MM-dd)" : "")}.";
        if (target.Pattern is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromMilliseconds(50)))
            return $"'{text}' does not match the target's pattern for {target.Path}.";
        return null;
    }

    private static readonly Regex Segment = new(@"^(?<name>[^\[\]]+)(\[(?<index>\d+)\])?$", RegexOptions.Compiled);

    private static void Set(JsonObject body, string path, JsonNode value)
    {
        JsonNode current = body;
        var segments = path.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            var match = Segment.Match(segments[i]);
            var name = match.Groups["name"].Value;
            var last = i == segments.Length - 1;
            var obj = current.AsObject();
            if (!match.Groups["index"].Success)
            {
                if (last) { obj[name] = value; return; }
                current = obj[name] ??= new JsonObject();
                continue;
            }
            var array = (obj[name] ??= new JsonArray()).AsArray();
            var index = int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture);
            while (array.Count <= index) array.Add(last ? null : new JsonObject());
            if (last) { array[index] = value; return; }
            current = array[index] ??= new JsonObject();
        }
    }

    private static JsonNode? Get(JsonObject body, string path)
    {
        JsonNode? current = body;
        foreach (var segment in path.Split('.'))
        {
            var match = Segment.Match(segment);
            current = current?[match.Groups["name"].Value];
            if (match.Groups["index"].Success)
                current = current is JsonArray a && int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture) is var i && i < a.Count ? a[i] : null;
        }
        return current;
    }
}
