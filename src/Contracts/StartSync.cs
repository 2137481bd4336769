namespace RosterSync.Contracts;

/// <summary>Asks a Worker to claim and execute a queued sync run. Carries ids only, never roster data.</summary>
public sealed record StartSync(Guid RunId, Guid DistrictId);
