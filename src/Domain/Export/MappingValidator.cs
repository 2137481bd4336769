namespace RosterSync.Domain.Export;

/// <summary>A finding of the mapping validation: which target, what kind (<see cref="MappingProblems"/>) and what an admin can do.</summary>
public sealed record MappingProblem(string Operation, string Target, string Kind, string Message, IReadOnlyList<string>? Values = null);

public static class MappingProblems
{
    public const string UnmappedRequired = "unmapped-required";
    public const string UnknownTarget = "unknown-target";
    public const string UnknownSource = "unknown-source";
    public const string InvalidMapping = "invalid-mapping";
    public const string TypeMismatch = "type-mismatch";
    public const string EnumRefused = "enum-refused";
    public const string CodesMissing = "codes-missing";
    public static readonly string[] All = [UnmappedRequired, UnknownTarget, UnknownSource, InvalidMapping, TypeMismatch, EnumRefused, CodesMissing];
}

/// <summary>
/// Validates a connection's mappings against its target fields and the district's registrations (SPEC §6): required targets
/// left unmapped, mappings of unknown fields or malformed ones, values of the wrong type or format, values outside the
/// target's enum, and code tables that miss values present in the registrations. Pure.
/// </summary>
public static class MappingValidator
{
    public static List<MappingProblem> Validate(
        IReadOnlyList<TargetField> targets, IReadOnlyList<FieldMapping> mappings, IReadOnlyList<IReadOnlyDictionary<string, string?>> registrations, DateOnly today)
    {
        var problems = Shape(targets, mappings);
        var broken = problems.Select(p => (p.Operation, p.Target)).ToHashSet();
        var fields = targets.ToDictionary(t => (t.Operation, t.Path));
        foreach (var mapping in mappings.Where(m => m.Type != MappingTypes.None && !broken.Contains((m.Operation, m.Target))))
        {
            var target = fields[(mapping.Operation, mapping.Target)];
            if (mapping.Type == MappingTypes.Codes)
            {
                var missing = registrations.Select(r => r.GetValueOrDefault(mapping.Source!)).OfType<string>()
                    .Where(v => mapping.Codes!.Keys.All(k => !string.Equals(k, v, StringComparison.OrdinalIgnoreCase)))
                    .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
                if (missing.Count > 0)
                    problems.Add(new(mapping.Operation, mapping.Target, MappingProblems.CodesMissing,
                        $"The code table has no code for {missing.Count} value(s) present in the registrations.", missing));
                var refused = mapping.Codes!.Values.Where(code => Refusal(target, code) is not null).Distinct().ToList();
                if (refused.Count > 0)
                    problems.Add(new(mapping.Operation, mapping.Target, target.Enum is { Count: > 0 } ? MappingProblems.EnumRefused : MappingProblems.TypeMismatch,
                        Refusal(target, refused[0])!, refused));
                continue;
            }
            var outcomes = registrations.Select(r =>
            {
                try { return (Value: PayloadMapper.Value(mapping, mapping.Source is null ? null : r.GetValueOrDefault(mapping.Source), r, today), Error: (string?)null); }
                catch (TransformException e) { return (Value: null, Error: e.Message); }
            }).ToList();
            var failed = outcomes.Where(o => o.Error is not null).Select(o => o.Error!)
                .Concat(outcomes.Where(o => o.Value is not null).Select(o => Refusal(target, o.Value!)).OfType<string>())
                .Distinct().ToList();
            if (failed.Count == 0) continue;
            var values = outcomes.Where(o => o.Value is not null && Refusal(target, o.Value!) is not null).Select(o => o.Value!).Distinct().Order(StringComparer.Ordinal).ToList();
            var kind = target.Enum is { Count: > 0 } && values.Count > 0 ? MappingProblems.EnumRefused : MappingProblems.TypeMismatch;
            problems.Add(new(mapping.Operation, mapping.Target, kind, failed[0], values.Count > 0 ? values : null));
        }
        return problems;
    }

    /// <summary>Problems of the mappings alone, before any registration is looked at.</summary>
    public static List<MappingProblem> Shape(IReadOnlyList<TargetField> targets, IReadOnlyList<FieldMapping> mappings)
    {
        var problems = new List<MappingProblem>();
        var fields = targets.ToDictionary(t => (t.Operation, t.Path));
        foreach (var mapping in mappings)
        {
            if (!fields.ContainsKey((mapping.Operation, mapping.Target)))
                problems.Add(new(mapping.Operation, mapping.Target, MappingProblems.UnknownTarget, "Not a field of the target's request schemas (refresh the target fields?)."));
            else if (!MappingTypes.All.Contains(mapping.Type))
                problems.Add(new(mapping.Operation, mapping.Target, MappingProblems.InvalidMapping, $"The mapping type is one of: {string.Join(", ", MappingTypes.All)}."));
            else if (mapping.Type is MappingTypes.Direct or MappingTypes.Codes && (mapping.Source is null || !FieldCatalogue.IsSourceField(mapping.Source)))
                problems.Add(new(mapping.Operation, mapping.Target, MappingProblems.UnknownSource, $"'{mapping.Source}' is not a registration field."));
            else if (mapping.Type == MappingTypes.Codes && mapping.Codes is not { Count: > 0 })
                problems.Add(new(mapping.Operation, mapping.Target, MappingProblems.InvalidMapping, "A codes mapping needs a code table."));
            else if (mapping.Type == MappingTypes.Transform && TransformInterpreter.Check(mapping.Transform) is { Count: > 0 } errors)
                problems.Add(new(mapping.Operation, mapping.Target, MappingProblems.InvalidMapping, string.Join(" ", errors.Select(e => $"{e.Key}: {e.Value}"))));
        }
        var mapped = mappings.Where(m => m.Type != MappingTypes.None).Select(m => (m.Operation, m.Target)).ToHashSet();
        foreach (var target in targets.Where(t => t.Required && !mapped.Contains((t.Operation, t.Path))))
            problems.Add(new(target.Operation, target.Path, MappingProblems.UnmappedRequired, "The target requires this field and nothing is mapped to it."));
        foreach (var group in mappings.GroupBy(m => (m.Operation, m.Target)).Where(g => g.Count() > 1))
            problems.Add(new(group.Key.Operation, group.Key.Target, MappingProblems.InvalidMapping, "A target field is mapped at most once."));
        return problems;
    }

    private static string? Refusal(TargetField target, string text)
    {
        try { return PayloadMapper.ValueError(target, PayloadMapper.Convert(target, text)); }
        catch (TransformException e) { return e.Message; }
    }
}
