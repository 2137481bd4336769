namespace RosterSync.Domain.Reconciliation;

/// <summary>The source links of a record (SPEC §2): one id per source kind plus the SIS id.</summary>
public sealed record SourceLinks(string? Sis = null, string? OneRoster = null, string? Clever = null, string? ClassLink = null)
{
    public static readonly SourceLinks None = new();

    public string? Get(string linkKind) => linkKind switch
    {
        LinkKinds.OneRoster => OneRoster,
        LinkKinds.Clever => Clever,
        LinkKinds.ClassLink => ClassLink,
        LinkKinds.Sis => Sis,
        _ => throw new ArgumentOutOfRangeException(nameof(linkKind), linkKind, "unknown source link kind"),
    };

    /// <summary>These links with one kind set; the same instance when it already holds <paramref name="value"/>.</summary>
    public SourceLinks With(string linkKind, string? value) => Get(linkKind) == value ? this : linkKind switch
    {
        LinkKinds.OneRoster => this with { OneRoster = value },
        LinkKinds.Clever => this with { Clever = value },
        LinkKinds.ClassLink => this with { ClassLink = value },
        LinkKinds.Sis => this with { Sis = value },
        _ => throw new ArgumentOutOfRangeException(nameof(linkKind), linkKind, "unknown source link kind"),
    };

    public bool Any => Sis is not null || OneRoster is not null || Clever is not null || ClassLink is not null;
}

public static class LinkKinds
{
    public const string OneRoster = "oneroster";
    public const string Clever = "clever";
    public const string ClassLink = "classlink";
    /// <summary>The simple CSV pair identifies people by SIS id only.</summary>
    public const string Sis = "sis";
}

public sealed record PersonRecord
{
    public required Guid Id { get; init; }
    public string? Email { get; init; }
    public string? NormalizedEmail { get; init; }
    public string? GivenName { get; init; }
    public string? FamilyName { get; init; }
    public string? MiddleName { get; init; }
    public IReadOnlyList<string> Roles { get; init; } = [];
    public string? Grade { get; init; }
    public int? GraduationYear { get; init; }
    public string? Sms { get; init; }
    public string? Phone { get; init; }
    public string? Language { get; init; }
    public string? Room { get; init; }
    public string Status { get; init; } = Model.RecordStatus.Active;
    public string Origin { get; init; } = Model.Origins.Synced;
    public string AccountState { get; init; } = Model.AccountStates.Invitee;
    public SourceLinks Links { get; init; } = SourceLinks.None;
}

public sealed record SchoolRecord
{
    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public string? Identifier { get; init; }
    public string Status { get; init; } = Model.RecordStatus.Active;
    public string Origin { get; init; } = Model.Origins.Synced;
    public SourceLinks Links { get; init; } = SourceLinks.None;
}

public sealed record ClassRecord
{
    public required Guid Id { get; init; }
    public required string Name { get; init; }
    public Guid? SchoolId { get; init; }
    public string? Grade { get; init; }
    public string? Subject { get; init; }
    public Guid? TermId { get; init; }
    public Guid? CourseId { get; init; }
    public bool IsHomeroom { get; init; }
    public string Status { get; init; } = Model.RecordStatus.Active;
    public string Origin { get; init; } = Model.Origins.Synced;
    public SourceLinks Links { get; init; } = SourceLinks.None;
}

public sealed record SessionRecord
{
    public required Guid Id { get; init; }
    public required string Title { get; init; }
    public string? Type { get; init; }
    public DateOnly? StartDate { get; init; }
    public DateOnly? EndDate { get; init; }
    public string? SchoolYear { get; init; }
    public string Status { get; init; } = Model.RecordStatus.Active;
    public SourceLinks Links { get; init; } = SourceLinks.None;
}

public sealed record CourseRecord
{
    public required Guid Id { get; init; }
    public required string Title { get; init; }
    public string? CourseCode { get; init; }
    public Guid? SchoolId { get; init; }
    public string Status { get; init; } = Model.RecordStatus.Active;
    public SourceLinks Links { get; init; } = SourceLinks.None;
}

/// <summary>A membership, enrollment or guardian link: a pair of record ids with a role, ended rather than deleted.</summary>
public sealed record LinkRecord
{
    public required Guid Id { get; init; }
    /// <summary>Membership: person; enrollment: person; guardian link: guardian.</summary>
    public required Guid PersonId { get; init; }
    /// <summary>Membership: school; enrollment: class; guardian link: student.</summary>
    public required Guid TargetId { get; init; }
    /// <summary>Membership and enrollment: role; guardian link: relationship.</summary>
    public string? Role { get; init; }
    public string Origin { get; init; } = Model.Origins.Synced;
    public bool Ended { get; init; }

    public (Guid, Guid, string?) Key => (PersonId, TargetId, Role);
}

/// <summary>What the district holds now, as immutable records: the planner's second input.</summary>
public sealed class RosterState
{
    public IReadOnlyList<PersonRecord> People { get; init; } = [];
    public IReadOnlyList<SchoolRecord> Schools { get; init; } = [];
    public IReadOnlyList<ClassRecord> Classes { get; init; } = [];
    public IReadOnlyList<SessionRecord> Sessions { get; init; } = [];
    public IReadOnlyList<CourseRecord> Courses { get; init; } = [];
    public IReadOnlyList<LinkRecord> Memberships { get; init; } = [];
    public IReadOnlyList<LinkRecord> Enrollments { get; init; } = [];
    public IReadOnlyList<LinkRecord> GuardianLinks { get; init; } = [];
    /// <summary>
    /// The district's active synced records when this state holds only part of them (a fingerprinted re-sync): R21 weighs a
    /// plan's losses against the whole district. Null: counted from the lists above.
    /// </summary>
    public ActiveSyncedRecords? ActiveSynced { get; init; }

    public static RosterState Empty { get; } = new();

    public RosterState WithActiveSynced(ActiveSyncedRecords activeSynced) => new()
    {
        People = People, Schools = Schools, Classes = Classes, Sessions = Sessions, Courses = Courses,
        Memberships = Memberships, Enrollments = Enrollments, GuardianLinks = GuardianLinks, ActiveSynced = activeSynced,
    };
}

/// <summary>How many active synced records of each kind R21 counts (people and classes active, links open).</summary>
public sealed record ActiveSyncedRecords(int People, int Memberships, int Classes, int Enrollments, int GuardianLinks)
{
    public static ActiveSyncedRecords Of(RosterState state) => new(
        state.People.Count(p => p.Origin == Model.Origins.Synced && p.Status == Model.RecordStatus.Active),
        LinkList.CountOpenSynced(state.Memberships),
        state.Classes.Count(c => c.Origin == Model.Origins.Synced && c.Status == Model.RecordStatus.Active),
        LinkList.CountOpenSynced(state.Enrollments),
        LinkList.CountOpenSynced(state.GuardianLinks));

    public Dictionary<string, int> ByEntity() => new()
    {
        [Model.Entities.Person] = People, [Model.Entities.Membership] = Memberships, [Model.Entities.Class] = Classes,
        [Model.Entities.Enrollment] = Enrollments, [Model.Entities.GuardianLink] = GuardianLinks,
    };
}
