using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RosterSync.Domain.Persistence;

namespace RosterSync.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>: the operator key from configuration, or a district key found by its SHA-256
/// hash. Keys are never stored or logged in clear.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeyCache keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    // Synchronous up to the database: the hash and its hex live on the stack, and a remembered key needs no await.
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken(Request.Headers.Authorization.ToString());
        if (token.IsEmpty) return Task.FromResult(AuthenticateResult.NoResult());

        Span<byte> sha256 = stackalloc byte[SHA256.HashSizeInBytes];
        ApiKeys.Hash(token, sha256);
        if (keys.IsOperator(sha256)) return Task.FromResult(Success([new(Caller.OperatorClaim, "true")]));

        Span<char> hex = stackalloc char[2 * SHA256.HashSizeInBytes];
        Convert.TryToHexStringLower(sha256, hex, out _);
        return keys.TryGet(hex, out var key) ? Task.FromResult(Success(key)) : LookUpAsync(hex.ToString());
    }

    private async Task<AuthenticateResult> LookUpAsync(string hash)
    {
        // The context is taken from the pool only here: a remembered key needs none.
        var db = Context.RequestServices.GetRequiredService<RosterDbContext>();
        var found = await db.ApiKeys.AsNoTracking()
            .Where(k => k.KeyHash == hash && k.RevokedAt == null)
            .Select(k => new KnownKey(k.Id, k.DistrictId, k.Scopes))
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (found is null) return AuthenticateResult.Fail("Unknown or revoked key");
        keys.Remember(hash, found);
        return Success(found);
    }

    private static AuthenticateResult Success(KnownKey key) => Success([
        new(Caller.KeyIdClaim, key.Id.ToString()),
        new(Caller.DistrictClaim, key.DistrictId.ToString()),
        .. key.Scopes.Select(s => new Claim(Caller.ScopeClaim, s)),
    ]);

    /// <summary>
    /// The credentials of <c>Bearer &lt;token&gt;</c> (scheme in any case, surrounding whitespace ignored), or empty. The
    /// token is one token68 (RFC 7235): a value with whitespace inside is no bearer token.
    /// </summary>
    internal static ReadOnlySpan<char> BearerToken(ReadOnlySpan<char> header)
    {
        header = header.Trim();
        const string scheme = "Bearer";
        if (header.Length <= scheme.Length || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || !char.IsWhiteSpace(header[scheme.Length]))
            return default;
        var token = header[scheme.Length..].TrimStart();
        return token.IndexOfAny(" \t\r\n,") >= 0 ? default : token;
    }

    private static AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
}

public static class ApiKeys
{
    /// <summary>A new district key: 32 random bytes, base64url, with a prefix that secret scanners can match.</summary>
    public static string NewKey() => "rsk_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>What ApiKey.KeyHash stores: SHA-256 of the key, lower-case hex.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>SHA-256 of the key's UTF-8 bytes into <paramref name="sha256"/>, on the stack for keys of ordinary length.</summary>
    public static void Hash(ReadOnlySpan<char> key, Span<byte> sha256)
    {
        var length = Encoding.UTF8.GetByteCount(key);
        Span<byte> utf8 = length <= 512 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(key, utf8);
        SHA256.HashData(utf8, sha256);
    }
}
