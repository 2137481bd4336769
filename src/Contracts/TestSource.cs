namespace RosterSync.Contracts;

/// <summary>
/// Asks a Worker to read the district's configured source completely, without planning or writing anything,
/// and answer a <see cref="SourceTestResult"/>.
/// </summary>
public sealed record TestSource(Guid DistrictId);

/// <param name="Ok">True when the source was read completely.</param>
/// <param name="Counts">Records read per kind ("schools", "people", "classes", …); empty when not Ok.</param>
/// <param name="Problem">What is wrong, in words an admin can act on; never a secret. Null when Ok.</param>
/// <param name="SettingsProblem">
/// True when the settings themselves are incomplete or not allowed (nothing was called); false when the source
/// failed (unreachable, rejected the credentials, host key mismatch, unreadable data).
/// </param>
public sealed record SourceTestResult(bool Ok, IReadOnlyDictionary<string, int> Counts, string? Problem, bool SettingsProblem = false);
