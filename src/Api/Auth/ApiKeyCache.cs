using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace RosterSync.Api.Auth;

/// <summary>A district key as authentication needs it.</summary>
public sealed record KnownKey(Guid Id, Guid DistrictId, IReadOnlyList<string> Scopes);

/// <summary>
/// District keys found by hash, remembered for <see cref="AuthOptions.KeyCacheSeconds"/> so that a busy key costs one
/// lookup per period instead of one per request. A key revoked through this process is forgotten at once; one revoked
/// through another replica (or in the database) is refused at the latest when its entry expires. Only keys found in the
/// database are remembered: an unknown key is looked up every time, and a new key works as soon as it is created.
/// </summary>
public sealed class ApiKeyCache(IOptions<AuthOptions> options)
{
    /// <summary>Beyond this many keys the cache starts over: a bound on memory, far above any one replica's working set.</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (KnownKey Key, long Expires)> _byHash = new(StringComparer.Ordinal);
    private readonly long _lifetimeMs = options.Value.KeyCacheSeconds * 1000L;

    public bool TryGet(string hash, [MaybeNullWhen(false)] out KnownKey key)
    {
        key = _byHash.TryGetValue(hash, out var entry) && Environment.TickCount64 < entry.Expires ? entry.Key : null;
        return key is not null;
    }

    public void Remember(string hash, KnownKey key)
    {
        if (_lifetimeMs <= 0) return;
        if (_byHash.Count >= MaxEntries) _byHash.Clear();
        _byHash[hash] = (key, Environment.TickCount64 + _lifetimeMs);
    }

    public void Forget(Guid keyId)
    {
        foreach (var (hash, entry) in _byHash)
            if (entry.Key.Id == keyId) _byHash.TryRemove(hash, out _);
    }
}
