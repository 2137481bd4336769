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
}
