using System.Security.Claims;

namespace RosterSync.Api.Auth;

/// <summary>Who is calling: the operator, or a district key with its district and scopes. Read from the authenticated principal.</summary>
public static class Caller
{
    public const string KeyIdClaim = "rs:key";
    public const string DistrictClaim = "rs:district";
    public const string ScopeClaim = "rs:scope";
    public const string OperatorClaim = "rs:operator";

    public static bool IsOperator(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == OperatorClaim);

    /// <summary>The district key's id; null for the operator.</summary>
    public static Guid? ApiKeyId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(KeyIdClaim), out var id) ? id : null;

    public static Guid? DistrictId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(DistrictClaim), out var id) ? id : null;

    public static bool HasScope(this ClaimsPrincipal user, string scope) =>
        user.IsOperator() || user.HasClaim(ScopeClaim, scope);

    /// <summary>A name for rate limiting and logs: the key id, "operator", or null when anonymous.</summary>
    public static string? Partition(this ClaimsPrincipal user) =>
        user.IsOperator() ? "operator" : user.FindFirstValue(KeyIdClaim);
}
