namespace RosterSync.Domain.Snapshots;

/// <summary>
/// Hands out one string instance per distinct value, looked up by span so a value seen before costs no
/// allocation. Readers pool the columns whose values repeat (school ids, roles, grades, names) or are
/// referenced from other files (a user's sourcedId in enrollments.csv), which is most of a roster's text.
/// A concurrent pool (the one <see cref="SharedStrings"/> opens for a run) is split into locked stripes.
/// </summary>
internal sealed class StringPool
{
    private readonly Stripe[] _stripes;

    public StringPool(bool concurrent = false)
    {
        _stripes = new Stripe[concurrent ? 16 : 1];
        for (var i = 0; i < _stripes.Length; i++) _stripes[i] = new Stripe();
    }

    /// <summary>The pooled instance equal to <paramref name="value"/>; null for an empty span.</summary>
    public string? Get(ReadOnlySpan<char> value) => value.IsEmpty ? null : Get(value, null);

    /// <summary>The pooled instance equal to <paramref name="value"/> (which joins the pool if it is new).</summary>
    public string? Get(string? value) => string.IsNullOrEmpty(value) ? value : Get(value, value);

    private string Get(ReadOnlySpan<char> value, string? instance)
    {
        if (_stripes.Length == 1) return _stripes[0].Get(value, instance);
        var stripe = _stripes[StripeOf(value)];
        lock (stripe) return stripe.Get(value, instance);
    }

    /// <summary>A cheap spread over the stripes (ids end in varied hex digits, emails differ in the middle).</summary>
    private int StripeOf(ReadOnlySpan<char> value) =>
        (value[^1] ^ value[value.Length / 2] ^ (value[value.Length / 3] << 1) ^ value.Length) & (_stripes.Length - 1);

    private sealed class Stripe
    {
        private readonly HashSet<string> _values = new(StringComparer.Ordinal);
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

        public Stripe() => _bySpan = _values.GetAlternateLookup<ReadOnlySpan<char>>();

        public string Get(ReadOnlySpan<char> value, string? instance)
        {
            if (_bySpan.TryGetValue(value, out var pooled)) return pooled;
            var added = instance ?? value.ToString();
            _values.Add(added);
            return added;
        }
    }
}

/// <summary>
/// One string pool for everything a run reads. The source's snapshot and the district's current state hold the same
/// source ids, emails and names (a million of each in a large district); read through one pool they hold one copy.
/// The runner opens the pool around reading and loading, which run in parallel, and closes it before planning, so it
/// never outlives them. Readers and loaders that find no pool open keep a pool of their own.
/// </summary>
public static class SharedStrings
{
    private static readonly AsyncLocal<StringPool?> Open = new();

    internal static StringPool? Current => Open.Value;

    /// <summary>Opens a pool for the calling async flow and everything it starts from now on.</summary>
    public static void Begin() => Open.Value = new StringPool(concurrent: true);

    /// <summary>Closes the calling flow's pool; the strings handed out stay, the pool's index goes.</summary>
    public static void End() => Open.Value = null;
}
