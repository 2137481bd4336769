namespace RosterSync.Domain.Model;

public sealed class District
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The source links a record carries (SPEC §2): one id per source kind, plus the SIS id.</summary>
public interface ISourceLinked
{
    string? SisId { get; set; }
    string? OneRosterId { get; set; }
    string? CleverId { get; set; }
    string? ClassLinkId { get; set; }
}

public sealed class School : ISourceLinked
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public required string Name { get; set; }
    public string? Identifier { get; set; }
    public string Status { get; set; } = RecordStatus.Active;
    public string Origin { get; set; } = Origins.Manual;
    public string? SisId { get; set; }
    public string? OneRosterId { get; set; }
    public string? CleverId { get; set; }
    public string? ClassLinkId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class Person : ISourceLinked
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public string? Email { get; set; }
    /// <summary>The match key of R1; unique per district.</summary>
    public string? NormalizedEmail { get; set; }
    public string? GivenName { get; set; }
    public string? FamilyName { get; set; }
    public string? MiddleName { get; set; }
    public List<string> Roles { get; set; } = [];
    public string? Grade { get; set; }
    public int? GraduationYear { get; set; }
    public string? Sms { get; set; }
    public string? Phone { get; set; }
    public string? Language { get; set; }
    public string? Room { get; set; }
    public string Status { get; set; } = RecordStatus.Active;
    public string Origin { get; set; } = Origins.Manual;
    public string AccountState { get; set; } = AccountStates.Invitee;
    public string? SisId { get; set; }
    public string? OneRosterId { get; set; }
    public string? CleverId { get; set; }
    public string? ClassLinkId { get; set; }
    /// <summary>
    /// Issue 12: the hash of the source rows the last sync planned this person from (SourceFingerprints); a re-sync whose rows
    /// hash the same leaves the person out of planning. Null: plan it (never synced, or edited since through the Api).
    /// </summary>
    public long? SyncFingerprint { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Person ↔ school. Never deleted by a sync: removal sets EndedAt and EndedByRunId.</summary>
/// <summary>A membership, enrollment or guardian link: ended, never deleted; made by a sync or by hand (origin).</summary>
public interface ILink
{
    Guid Id { get; }
    Guid DistrictId { get; }
    string Origin { get; }
    DateTimeOffset? EndedAt { get; set; }
}

public sealed class Membership : ILink
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public Guid PersonId { get; set; }
    public Guid SchoolId { get; set; }
    public required string Role { get; set; }
    public string Origin { get; set; } = Origins.Synced;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public Guid? EndedByRunId { get; set; }
}

public sealed class GuardianLink : ILink
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public Guid GuardianId { get; set; }
    public Guid StudentId { get; set; }
    public string? Relationship { get; set; }
    public string Origin { get; set; } = Origins.Synced;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public Guid? EndedByRunId { get; set; }
}

public sealed class Class : ISourceLinked
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public Guid? SchoolId { get; set; }
    public required string Name { get; set; }
    public string? Grade { get; set; }
    public string? Subject { get; set; }
    public Guid? TermId { get; set; }
    public Guid? CourseId { get; set; }
    public bool IsHomeroom { get; set; }
    public string Status { get; set; } = RecordStatus.Active;
    public string Origin { get; set; } = Origins.Manual;
    public string? SisId { get; set; }
    public string? OneRosterId { get; set; }
    public string? CleverId { get; set; }
    public string? ClassLinkId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class Enrollment : ILink
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public Guid ClassId { get; set; }
    public Guid PersonId { get; set; }
    public required string Role { get; set; }
    public string Origin { get; set; } = Origins.Synced;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public Guid? EndedByRunId { get; set; }
}

public sealed class AcademicSession : ISourceLinked
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public required string Title { get; set; }
    public string? Type { get; set; }
    public DateOnly? StartDate { get; set; }
    public DateOnly? EndDate { get; set; }
    public string? SchoolYear { get; set; }
    public string Status { get; set; } = RecordStatus.Active;
    public string? SisId { get; set; }
    public string? OneRosterId { get; set; }
    public string? CleverId { get; set; }
    public string? ClassLinkId { get; set; }
}

public sealed class Course : ISourceLinked
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public required string Title { get; set; }
    public string? CourseCode { get; set; }
    public Guid? SchoolId { get; set; }
    public string Status { get; set; } = RecordStatus.Active;
    public string? SisId { get; set; }
    public string? OneRosterId { get; set; }
    public string? CleverId { get; set; }
    public string? ClassLinkId { get; set; }
}

public sealed class ApiKey
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public required string Name { get; set; }
    /// <summary>SHA-256 of the key, hex. The key itself is shown once and never stored.</summary>
    public required string KeyHash { get; set; }
    public List<string> Scopes { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>A file handed to the Api for a run; kept in PostgreSQL so any Worker replica can read it.</summary>
public sealed class Upload
{
    public Guid Id { get; set; }
    public Guid DistrictId { get; set; }
    public required string FileName { get; set; }
    public required string Kind { get; set; }
    public long Size { get; set; }
    public byte[] Content { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An ASP.NET Core Data Protection key ring entry, kept in PostgreSQL so every replica decrypts the same secrets.</summary>
public sealed class DataProtectionKey
{
    public int Id { get; set; }
    public string? FriendlyName { get; set; }
    public required string Xml { get; set; }
}
