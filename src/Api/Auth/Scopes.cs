namespace RosterSync.Api.Auth;

/// <summary>What a district key may do (SPEC §7). Each scope is also the name of the authorization policy that requires it.</summary>
public static class Scopes
{
    public const string RosterRead = "roster:read";
    public const string RosterWrite = "roster:write";
    public const string SyncRun = "sync:run";
    public const string SettingsWrite = "settings:write";
    public const string EventsRead = "events:read";
    public const string RegistrationsWrite = "registrations:write";
    public const string ExportRun = "export:run";

    /// <summary>Not a scope a key can hold: the policy of routes only the operator key may call.</summary>
    public const string Operator = "operator";

    public static readonly IReadOnlySet<string> All = new HashSet<string> { RosterRead, RosterWrite, SyncRun, SettingsWrite, EventsRead, RegistrationsWrite, ExportRun };
}
