using System.ComponentModel.DataAnnotations;

namespace RosterSync.Api.Auth;

public sealed class AuthOptions
{
    public const string Section = "Auth";
    /// <summary>The top-level key scripts and ./run.sh set; used when Auth:OperatorKey is not.</summary>
    public const string OperatorKeyVariable = "ROSTERSYNC_OPERATOR_KEY";

    /// <summary>The key that manages districts and district keys.</summary>
    [Required, MinLength(16)]
    public string OperatorKey { get; set; } = "";

    /// <summary>
    /// How long a district key found in the database is trusted without asking again (ApiKeyCache). This bounds how
    /// long a key revoked through another Api replica still works; 0 asks the database on every request.
    /// </summary>
    [Range(0, 300)]
    public int KeyCacheSeconds { get; set; } = 10;
}
