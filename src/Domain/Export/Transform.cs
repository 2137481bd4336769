using System.Globalization;
using System.Text;

namespace RosterSync.Domain.Export;

/// <summary>
/// One node of a mapping transform (SPEC §6): a function of SchoolMint's catalogue (<see cref="TransformFunctions"/>), its
/// argument nodes, and the settings that function reads. It is data, evaluated by <see cref="TransformInterpreter"/>: no code
/// is compiled or evaluated and nothing is looked up by reflection, and a tree is bounded in size and depth.
/// </summary>
/// <param name="Fn">The function; <see cref="TransformFunctions.All"/>.</param>
/// <param name="Args">Argument nodes (join, pick: any number; if: subject, then, else; the others: one).</param>
/// <param name="Field">field: the source field id (<c>student.birthDate</c>).</param>
/// <param name="Value">constant: the value; if (equals): the value compared with.</param>
/// <param name="Format">date: the input format (default the form's); today, date: the output format; phone: the pattern
/// (<c>#</c> per digit); schoolYear: <c>start-end</c> (2026-2027), <c>end</c> (2027) or <c>start</c>.</param>
/// <param name="Separator">join, split.</param>
/// <param name="Index">split: the part, from 0.</param>
/// <param name="Find">substitute: the text replaced.</param>
/// <param name="Replace">substitute: the replacement.</param>
/// <param name="Condition">if: <c>equals</c> or <c>empty</c>.</param>
public sealed record TransformNode(
    string Fn, IReadOnlyList<TransformNode>? Args = null, string? Field = null, string? Value = null, string? Format = null,
    string? Separator = null, int? Index = null, string? Find = null, string? Replace = null, string? Condition = null);

public static class TransformFunctions
{
    public const string Field = "field";
    public const string Constant = "constant";
    public const string Date = "date";
    public const string Today = "today";
    public const string Lower = "lower";
    public const string Upper = "upper";
    public const string Join = "join";
    public const string Pick = "pick";
    public const string Split = "split";
    public const string Substitute = "substitute";
    public const string If = "if";
    public const string Phone = "phone";
    public const string SchoolYear = "schoolYear";
    public const string Transliterate = "transliterate";
    public static readonly string[] All = [Field, Constant, Date, Today, Lower, Upper, Join, Pick, Split, Substitute, If, Phone, SchoolYear, Transliterate];
}

/// <summary>A transform that cannot give a value for these source values (a date that does not parse, a phone with too few digits).</summary>
public sealed class TransformException(string message) : Exception(message);

/// <summary>Checks and evaluates <see cref="TransformNode"/> trees. Pure: the clock comes in as <c>today</c>.</summary>
public static class TransformInterpreter
{
    public const int MaxDepth = 8;
    public const int MaxNodes = 64;
    public const int MaxText = 200;
    public const int MaxOutput = 4000;

    /// <summary>What is wrong with a tree, keyed by its path below <paramref name="path"/>; empty when it can be evaluated.</summary>
    public static Dictionary<string, string> Check(TransformNode? node, string path = "transform")
    {
        var errors = new Dictionary<string, string>();
        var nodes = 0;
        Check(node, path, 1, ref nodes, errors);
        if (nodes > MaxNodes) errors.TryAdd(path, $"A transform has at most {MaxNodes} nodes; this one has {nodes}.");
        return errors;
    }

    private static void Check(TransformNode? node, string path, int depth, ref int nodes, Dictionary<string, string> errors)
    {
        nodes++;
        if (node is null) { errors[path] = "A node is required."; return; }
        if (depth > MaxDepth) { errors[path] = $"A transform is at most {MaxDepth} levels deep."; return; }
        var args = node.Args ?? [];
        string? problem = node.Fn switch
        {
            TransformFunctions.Field => node.Field is { } f && FieldCatalogue.IsSourceField(f) ? null : $"field: '{node.Field}' is not a source field.",
            TransformFunctions.Constant => node.Value is null ? "constant: value is required." : null,
            TransformFunctions.Today => null,
            TransformFunctions.Join or TransformFunctions.Pick => args.Count is 0 or > 16 ? $"{node.Fn}: 1 to 16 args." : null,
            TransformFunctions.If => args.Count != 3 ? "if: args are the subject, then, else." :
                node.Condition switch { "empty" => null, "equals" when node.Value is not null => null, _ => "if: condition is 'empty', or 'equals' with value." },
            TransformFunctions.Split => args.Count != 1 || string.IsNullOrEmpty(node.Separator) || node.Index is null or < 0
                ? "split: one arg, a separator and an index ≥ 0." : null,
            TransformFunctions.Substitute => args.Count != 1 || string.IsNullOrEmpty(node.Find) || node.Replace is null
                ? "substitute: one arg, find and replace." : null,
            TransformFunctions.Phone => args.Count != 1 || (node.Format is { } p && !p.Contains('#', StringComparison.Ordinal))
                ? "phone: one arg; format uses # per digit." : null,
            TransformFunctions.SchoolYear => args.Count > 1 || node.Format is not (null or "start-end" or "end" or "start")
                ? "schoolYear: at most one date arg; format start-end, end or start." : null,
            TransformFunctions.Date or TransformFunctions.Lower or TransformFunctions.Upper or TransformFunctions.Transliterate =>
                args.Count != 1 ? $"{node.Fn}: exactly one arg." : null,
            _ => $"Unknown function '{node.Fn}'; one of: {string.Join(", ", TransformFunctions.All)}.",
        };
        if (problem is null && node.Fn is TransformFunctions.Date or TransformFunctions.Today && !IsDateFormat(node.Format))
            problem = $"{node.Fn}: '{node.Format}' is not a date format.";
        foreach (var text in new[] { node.Value, node.Format, node.Separator, node.Find, node.Replace })
            if (text is { Length: > MaxText }) problem ??= $"Texts in a transform are at most {MaxText} characters.";
        if (problem is not null) errors[path] = problem;
        for (var i = 0; i < args.Count && nodes <= MaxNodes; i++) Check(args[i], $"{path}.args[{i}]", depth + 1, ref nodes, errors);
    }

    private static bool IsDateFormat(string? format) =>
        format is null || (format.Length <= 40 && format.All(c => "yMdHms-/. ".Contains(c, StringComparison.Ordinal)));

    /// <summary>The source fields a tree reads, in order, once each.</summary>
    public static IEnumerable<string> Fields(TransformNode node) =>
        (node.Field is { } f ? [f] : Enumerable.Empty<string>()).Concat((node.Args ?? []).SelectMany(Fields)).Distinct();

    /// <summary>The value of a checked tree for one registration's source values; null means empty.</summary>
    public static string? Evaluate(TransformNode node, IReadOnlyDictionary<string, string?> source, DateOnly today)
    {
        var value = Eval(node, source, today);
        return value is { Length: > MaxOutput } ? throw new TransformException($"The value is longer than {MaxOutput} characters.") : value;
    }

    private static string? Eval(TransformNode node, IReadOnlyDictionary<string, string?> source, DateOnly today)
    {
        var args = node.Args ?? [];
        string? Arg(int i) => Eval(args[i], source, today);
        return node.Fn switch
        {
            TransformFunctions.Field => Empty(source.GetValueOrDefault(node.Field!)),
            TransformFunctions.Constant => node.Value,
            TransformFunctions.Today => today.ToString(node.Format ?? "yyyy-MM-dd", CultureInfo.InvariantCulture),
            TransformFunctions.Date => Arg(0) is { } text ? ParseDate(text, node.Format).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
            TransformFunctions.Lower => Arg(0)?.ToLowerInvariant(),
            TransformFunctions.Upper => Arg(0)?.ToUpperInvariant(),
            TransformFunctions.Join => Empty(string.Join(node.Separator ?? " ", args.Select(a => Eval(a, source, today)).Where(v => v is not null))),
            TransformFunctions.Pick => args.Select(a => Eval(a, source, today)).FirstOrDefault(v => v is not null),
            TransformFunctions.Split => Arg(0)?.Split(node.Separator!) is { } parts && node.Index!.Value < parts.Length ? Empty(parts[node.Index.Value].Trim()) : null,
            TransformFunctions.Substitute => Empty(Arg(0)?.Replace(node.Find!, node.Replace!, StringComparison.Ordinal)),
            TransformFunctions.If => (node.Condition == "empty" ? Arg(0) is null : string.Equals(Arg(0), node.Value, StringComparison.OrdinalIgnoreCase))
                ? Arg(1) : Arg(2),
            TransformFunctions.Phone => Arg(0) is { } phone ? FormatPhone(phone, node.Format ?? "(###) ###-####") : null,
            TransformFunctions.SchoolYear => SchoolYear(args.Count == 1 ? Arg(0) is { } d ? ParseDate(d, null) : null : today, node.Format ?? "start-end"),
            TransformFunctions.Transliterate => Arg(0) is { } t ? Transliterate(t) : null,
            _ => throw new TransformException($"Unknown function '{node.Fn}'."),
        };
    }

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    // The "date" transform's output format is node.Format only for "today"; a date's output is ISO, what SIS APIs take.
    private static DateOnly ParseDate(string text, string? format) =>
        (format is null ? FieldCatalogue.ParseDate(text)
            : DateOnly.TryParseExact(text.Trim(), format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null)
        ?? throw new TransformException($"'{text}' is not a date{(format is null ? "" : $" in the format {format}")}.");

    private static string FormatPhone(string phone, string pattern)
    {
        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
        var slots = pattern.Count(c => c == '#');
        if (digits.Length == slots + 1 && digits[0] == '1') digits = digits[1..];
        if (digits.Length != slots) throw new TransformException($"A phone number of {slots} digits was expected; it has {digits.Length}.");
        var result = new StringBuilder(pattern.Length);
        var next = 0;
        foreach (var c in pattern) result.Append(c == '#' ? digits[next++] : c);
        return result.ToString();
    }

    /// <summary>The school year a date falls in; a year starts on 1 July.</summary>
    private static string? SchoolYear(DateOnly? date, string format)
    {
        if (date is not { } d) return null;
        var start = d.Month >= 7 ? d.Year : d.Year - 1;
        return format switch { "end" => $"{start + 1}", "start" => $"{start}", _ => $"{start}-{start + 1}" };
    }

    private static string Transliterate(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            result.Append(c switch { 'ß' => "ss", 'æ' => "ae", 'Æ' => "AE", 'ø' => "o", 'Ø' => "O", 'ł' => "l", 'Ł' => "L", 'đ' => "d", 'Đ' => "D", _ => c.ToString() });
        }
        return result.ToString().Normalize(NormalizationForm.FormC);
    }
}
