using System.Net.Http.Headers;
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
    IOptions<AuthOptions> auth, ApiKeyCache keys, RosterDbContext db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrWhiteSpace(header.Parameter))
            return AuthenticateResult.NoResult();

        var hash = ApiKeys.Hash(header.Parameter);
        if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hash), Encoding.ASCII.GetBytes(ApiKeys.Hash(auth.Value.OperatorKey))))
            return Success([new(Caller.OperatorClaim, "true")]);

        if (!keys.TryGet(hash, out var key))
        {
            var found = await db.ApiKeys.AsNoTracking()
                .Where(k => k.KeyHash == hash && k.RevokedAt == null)
                .Select(k => new KnownKey(k.Id, k.DistrictId, k.Scopes))
                .SingleOrDefaultAsync(Context.RequestAborted);
            if (found is null) return AuthenticateResult.Fail("Unknown or revoked key");
            keys.Remember(hash, key = found);
        }

        return Success([
            new(Caller.KeyIdClaim, key.Id.ToString()),
            new(Caller.DistrictClaim, key.DistrictId.ToString()),
            .. key.Scopes.Select(s => new Claim(Caller.ScopeClaim, s)),
        ]);
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
}
