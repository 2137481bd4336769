namespace RosterSync.Contracts;

/// <summary>
/// Asks a Worker to read a connection's target fields from the target's OpenAPI document (the Api never calls an outside
/// system, SPEC §1). The Worker stores the fields on the connection and answers <see cref="ExportTargetsRefreshed"/>.
/// </summary>
public sealed record RefreshExportTargets(Guid DistrictId, Guid ConnectionId);

/// <param name="Ok">True when the document was read and the fields stored.</param>
/// <param name="Problem">What is wrong (unreachable, not an OpenAPI document, an operation it lacks); never a secret.</param>
public sealed record ExportTargetsRefreshed(bool Ok, int FieldCount, string? Problem);

/// <summary>
/// Asks a Worker to send one registration to the connection's target as a test. The target's answer is stored on the
/// connection (it may hold personal data, which messages never carry); the reply says only whether it was sent.
/// </summary>
public sealed record SendExportTestRecord(Guid DistrictId, Guid ConnectionId, Guid RegistrationId);

/// <param name="Sent">True when the target was reached and answered (whatever its status).</param>
/// <param name="Problem">Why nothing was sent or answered (mapping errors, unreachable target, credentials refused).</param>
public sealed record ExportTestRecordSent(bool Sent, string? Problem);
