namespace RosterSync.Domain.Export;

/// <summary>Which SIS URLs an export connection may name (configuration section <c>Export</c>): the Api checks them when written, the Worker when it connects.</summary>
public sealed class ExportTargetOptions
{
    public const string Section = "Export";

    /// <summary>
    /// Allow loopback, private, link-local and other internal targets and plain http for a connection's base URL, token URL and
    /// OpenAPI document URL (<see cref="TargetUrlRules"/>): off in production (a connection must not reach into the operator's
    /// network); on for tests and local demos against the fake SIS.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }
}
