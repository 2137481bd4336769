using System.Diagnostics;
using System.Globalization;
using RosterSync.Bench.Generator;

// Benchmark helper for bench/sync.sh (docs/benchmarks.md). Two commands:
//   generate [--size L|M|S] [--schools N --students N --staff N --guardians N --classes N --enrollments N] [--seed N] [--out DIR]
//       writes DIR/<label>/base/*.csv + base.zip and DIR/<label>/change/*.csv + change.zip, and prints DIR/<label>
//   queue --connection CS --district ID --zip FILE
//       stores FILE as an upload and queues an upload run for it, as the Api does; prints the run id
try
{
    return args.FirstOrDefault() switch
    {
        "generate" => Generate(Options.Parse(args[1..])),
        "queue" => await RunQueue.QueueAsync(Options.Parse(args[1..])),
        _ => Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"generator: {e.Message}");
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: RosterSync.Bench.Generator generate [--size L|M|S] [--schools N] [--students N] [--staff N] [--guardians N]
                                                   [--classes N] [--enrollments N] [--seed N] [--out DIR]
               RosterSync.Bench.Generator queue --connection CS --district ID --zip FILE
        """);
    return 2;
}

static int Generate(Options o)
{
    var size = o.Get("size") ?? "L";
    var preset = DistrictShape.Preset(size) ?? throw new ArgumentException($"Unknown size '{size}' (L, M or S)");
    var shape = new DistrictShape(
        o.Int("schools") ?? preset.Schools, o.Int("students") ?? preset.Students, o.Int("staff") ?? preset.Staff,
        o.Int("guardians") ?? preset.Guardians, o.Int("classes") ?? preset.Classes, o.Int("enrollments") ?? preset.Enrollments);
    shape.Validate();
    var seed = (ulong)(o.Int("seed") ?? 42);
    var label = shape == preset ? $"{size.ToUpperInvariant()}-seed{seed}"
        : $"custom-{shape.Schools}-{shape.Students}-{shape.Staff}-{shape.Guardians}-{shape.Classes}-{shape.Enrollments}-seed{seed}";
    var root = Path.GetFullPath(Path.Combine(o.Get("out") ?? Path.Combine("bench", "data"), label));

    var clock = Stopwatch.StartNew();
    var district = new SyntheticDistrict(shape, seed);
    Console.Error.WriteLine($"generator: {shape}, seed {seed} → {root}");
    district.Write(Path.Combine(root, "base"), Path.Combine(root, "base.zip"), change: false);
    Console.Error.WriteLine($"generator: base bundle written ({clock.Elapsed.TotalSeconds:F0} s)");
    district.Write(Path.Combine(root, "change"), Path.Combine(root, "change.zip"), change: true);
    Console.Error.WriteLine($"generator: 1 % change bundle written ({clock.Elapsed.TotalSeconds:F0} s)");
    File.WriteAllText(Path.Combine(root, "shape.txt"), $"{shape}\nseed {seed}\n");
    Console.WriteLine(root);
    return 0;
}

internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected --name value, got '{args[i]}'");
            }

            options._values[args[i][2..]] = args[++i];
        }

        return options;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string Required(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");

    public int? Int(string name) => Get(name) is { } value
        ? int.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
            : throw new ArgumentException($"--{name} must be a whole number, not '{value}'")
        : null;
}
