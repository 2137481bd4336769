using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace RosterSync.Api.Auth;

/// <summary>A district key as authentication needs it.</summary>
public sealed record KnownKey(Guid Id, Guid DistrictId, IReadOnlyList<string> Scopes);

/// <summary>
/// District keys found by hash, remembered for <see cref="AuthOptions.KeyCacheSeconds"/> so that a busy key costs one
/// lookup per period instead of one per request. A key revoked through this process is forgotten at once; one revoked
/// through another replica (or in the database) is refused at the latest when its entry expires. Only keys found in the
/// database are remembered: an unknown key is looked up every time, and a new key works as soon as it is created.
/// Entries are found by the hash's hex written on the stack, so a request with a remembered key allocates no string
/// for it; only hashes are kept, never a key in clear. The operator key's hash is computed once, here.
/// </summary>
public sealed class ApiKeyCache
{
    /// <summary>Beyond this many keys the cache starts over: a bound on memory, far above any one replica's working set.</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (KnownKey Key, long Expires)> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (KnownKey Key, long Expires)>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly long _lifetimeMs;
    private readonly byte[] _operatorHash;

    public ApiKeyCache(IOptions<AuthOptions> options)
    {
        _bySpan = _byHash.GetAlternateLookup<ReadOnlySpan<char>>();
        _lifetimeMs = options.Value.KeyCacheSeconds * 1000L;
        _operatorHash = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.OperatorKey));
    }

    /// <summary>True when <paramref name="sha256"/> (the presented key's hash) is the operator key's, compared in constant time.</summary>
    public bool IsOperator(ReadOnlySpan<byte> sha256) => CryptographicOperations.FixedTimeEquals(sha256, _operatorHash);

    /// <param name="hash">The key's hash as <see cref="ApiKeys.Hash"/> writes it (lower-case hex).</param>
    public bool TryGet(ReadOnlySpan<char> hash, [MaybeNullWhen(false)] out KnownKey key)
    {
        key = _bySpan.TryGetValue(hash, out var entry) && Environment.TickCount64 < entry.Expires ? entry.Key : null;
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
