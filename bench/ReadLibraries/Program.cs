using System.Diagnostics;
using nietras.SeparatedValues;
using RosterSync.Bench.ReadLibraries;
using RosterSync.Domain.Snapshots;
using ToolkitStringPool = CommunityToolkit.HighPerformance.Buffers.StringPool;

// The read phase's three hand-written parts against the maintained libraries the scale issue names, on the CSV files of a
// generated district (bench/data/<size>-seed<seed>/base). Usage: RosterSync.Bench.ReadLibraries <folder with the CSV files>.
// Each figure is the best of five passes over data already in memory, so disk and inflate are not in it.
// With --zip <bundle.zip> [passes] it times the whole read phase instead (OneRosterZipReader, as a run reads an upload).
if (args is ["--zip", var zipPath, ..])
{
    var zipPasses = args.Length > 2 ? int.Parse(args[2]) : 3;
    for (var pass = 1; pass <= zipPasses; pass++)
    {
        GC.Collect();
        var (gen0, gen2, allocated) = (GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
        var watch = Stopwatch.StartNew();
        using var zipFile = File.OpenRead(zipPath);
        SharedStrings.Begin(); // as a run reads: one pool shared with the state load
        var read = OneRosterZipReader.Read(zipFile, null, CancellationToken.None);
        SharedStrings.End();
        Console.WriteLine($"read {zipPath}, pass {pass}: {watch.ElapsedMilliseconds} ms; {read.People.Count} people, {read.Enrollments.Count} enrollments, "
            + $"{read.Issues.Count} issues; allocated {(GC.GetTotalAllocatedBytes() - allocated) >> 20} MB, gen0 {GC.CollectionCount(0) - gen0}, gen2 {GC.CollectionCount(2) - gen2}");
    }
    return;
}
var folder = args.Length > 0 ? args[0] : "bench/data/M-seed42/base";
const int Passes = 5;

var files = Directory.GetFiles(folder, "*.csv").Order().ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
var all = files.Values.SelectMany(b => b).ToArray();
Console.WriteLine($"{folder}: {files.Count} files, {all.Length / 1e6:F1} MB");

// CRC-32 over every byte, in the 16 KB pieces the zip reader checks as it inflates.
const int Piece = 16 * 1024;
var handCrc = Best("CRC-32, hand-written slicing-by-8", all.Length, () =>
{
    var crc = uint.MaxValue;
    for (var i = 0; i < all.Length; i += Piece) crc = HandWrittenCrc32.Update(crc, all.AsSpan(i, Math.Min(Piece, all.Length - i)));
    return ~crc;
});
var libraryCrc = Best("CRC-32, System.IO.Hashing.Crc32", all.Length, () =>
{
    var crc = new System.IO.Hashing.Crc32();
    for (var i = 0; i < all.Length; i += Piece) crc.Append(all.AsSpan(i, Math.Min(Piece, all.Length - i)));
    return crc.GetCurrentHashAsUInt32();
});
Check(handCrc == libraryCrc, "the two CRC-32 values differ");

// CSV: every field of the two largest files, decoded the way R26 decodes them (SourceTextReader), then split into fields.
foreach (var name in new[] { "users.csv", "enrollments.csv" })
{
    var bytes = files[name];
    var hand = Best($"CSV {name}, CsvRowReader", bytes.Length, () =>
    {
        using var reader = new CsvRowReader(new SourceTextReader(new MemoryStream(bytes)));
        long chars = 0;
        while (reader.TryReadRecord())
            for (var i = 0; i < reader.FieldCount; i++) chars += reader.Field(i).Length;
        return chars;
    });
    var sep = Best($"CSV {name}, Sep over the same decoder", bytes.Length, () =>
    {
        using var reader = Sep.Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true })
            .From(new SourceTextReader(new MemoryStream(bytes)));
        long chars = 0;
        foreach (var row in reader)
            for (var i = 0; i < row.ColCount; i++) chars += row[i].Span.Length;
        return chars;
    });
    var sepBytes = Best($"CSV {name}, Sep decoding UTF-8 itself", bytes.Length, () =>
    {
        using var reader = Sep.Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true }).From(bytes);
        long chars = 0;
        foreach (var row in reader)
            for (var i = 0; i < row.ColCount; i++) chars += row[i].Span.Length;
        return chars;
    });
    Check(hand == sep && sep == sepBytes, $"the readers saw different text in {name}: {hand}, {sep}, {sepBytes}");
}

// String pool: the user and class ids of enrollments.csv (each repeats 5–6 or ~50 times), as the reader pools them.
var ids = new List<string>();
using (var reader = new CsvRowReader(new SourceTextReader(new MemoryStream(files["enrollments.csv"]))))
{
    reader.TryReadRecord();
    var header = Enumerable.Range(0, reader.FieldCount).Select(i => reader.Field(i).ToString()).ToList();
    int user = header.IndexOf("userSourcedId"), @class = header.IndexOf("classSourcedId");
    while (reader.TryReadRecord())
    {
        ids.Add(reader.Field(user).ToString());
        ids.Add(reader.Field(@class).ToString());
    }
}
var idChars = ids.Select(s => s.ToCharArray()).ToArray();
var distinct = ids.Distinct().Count();
Console.WriteLine($"string pool input: {ids.Count:N0} ids, {distinct:N0} distinct");
foreach (var (label, concurrent) in new[] { ("string pool, hand-written (one stripe)", false), ("string pool, hand-written (16 locked stripes, as a run uses it)", true) })
{
    Best(label, ids.Count, () =>
    {
        var pool = new StringPool(concurrent);
        var instances = new HashSet<string>(ReferenceEqualityComparer.Instance);
        foreach (var id in idChars) instances.Add(pool.Get(id.AsSpan())!);
        return instances.Count;
    }, unit: "M ids/s", perUnit: 1e6, report: n => $"{n:N0} instances");
}
Best("string pool, CommunityToolkit StringPool sized for the distinct ids", ids.Count, () =>
{
    var pool = new ToolkitStringPool(distinct);
    var instances = new HashSet<string>(ReferenceEqualityComparer.Instance);
    foreach (var id in idChars) instances.Add(pool.GetOrAdd(id.AsSpan()));
    return instances.Count;
}, unit: "M ids/s", perUnit: 1e6, report: n => $"{n:N0} instances");

static long Best(string label, long size, Func<long> pass, string unit = "MB/s", double perUnit = 1e6, Func<long, string>? report = null)
{
    long result = 0;
    var best = double.MaxValue;
    for (var i = 0; i < Passes; i++)
    {
        var watch = Stopwatch.StartNew();
        result = pass();
        best = Math.Min(best, watch.Elapsed.TotalSeconds);
    }
    Console.WriteLine($"{label,-70} {best * 1000,8:F1} ms  {size / perUnit / best,8:F1} {unit}  ({report?.Invoke(result) ?? result.ToString("N0")})");
    return result;
}

static void Check(bool ok, string message)
{
    if (!ok) throw new InvalidOperationException(message);
}
