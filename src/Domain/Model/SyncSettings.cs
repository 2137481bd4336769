namespace RosterSync.Domain.Model;

/// <summary>
/// A district's sync settings (SPEC §8), stored as one jsonb document. Secrets are not in here:
/// they live encrypted in <see cref="SyncSettingsRow.EncryptedSecrets"/> and are never returned.
/// </summary>
public sealed record SyncSettings
{
    public SourceSettings Source { get; init; } = new();
    /// <summary>A five-field cron expression (SPEC §5), read in <see cref="ScheduleTimeZone"/>; null = no schedule.</summary>
    public string? Schedule { get; init; }
    /// <summary>The IANA time zone the schedule and the pauses are read in: a 2 a.m. sync stays at 2 a.m. local time.</summary>
    public string ScheduleTimeZone { get; init; } = "UTC";
    /// <summary>Date ranges (inclusive, in the schedule's time zone) in which scheduled runs do not fire.</summary>
    public IReadOnlyList<SchedulePause> Pauses { get; init; } = [];
    public bool UpdateActiveUsers { get; init; }
    public string AbandonedStudents { get; init; } = AbandonedStudentPolicy.Archive;
    public string FamilyAbandonment { get; init; } = FamilyAbandonmentPolicy.Soft;
    public int SafetyThresholdPercent { get; init; } = 10;
    public int SafetyThresholdMinimum { get; init; } = 5;
    public string ManualStudents { get; init; } = ManualStudentsPolicy.Allow;
    public bool AbandonFiltered { get; init; }
    public IReadOnlyList<SchoolMapping> SchoolMappings { get; init; } = [];
    public SyncFilters Filters { get; init; } = new();
    /// <summary>Per-field settings of R9, keyed by field name (e.g. "phone").</summary>
    public IReadOnlyDictionary<string, FieldSetting> Fields { get; init; } = new Dictionary<string, FieldSetting>();
    public GuardianFeedSettings? GuardianFeed { get; init; }

    public static SyncSettings Default { get; } = new();

    /// <summary>R9: whether an empty incoming value may blank a stored one. Default on.</summary>
    public bool Overwrites(string field) => !Fields.TryGetValue(field, out var s) || s.Overwrite;
}

public sealed record SourceSettings
{
    public string Kind { get; init; } = SourceKinds.Upload;
    public string? BaseUrl { get; init; }
    public string? Auth { get; init; }
    public string? ClientId { get; init; }
    public string? TokenUrl { get; init; }
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string? Username { get; init; }
    public string? HostKeyFingerprint { get; init; }
    public string? Folder { get; init; }
    public string? FilePattern { get; init; }
}

/// <summary>
/// The keys of a district's encrypted secrets (SecretProtector): the Api writes them from the write-only fields of
/// the settings, the Worker reads them. Settings themselves never hold a secret.
/// </summary>
public static class SecretNames
{
    public const string Token = "token";
    public const string ClientSecret = "clientSecret";
    public const string Password = "password";
    public const string PrivateKey = "privateKey";
    public const string GuardianFeedPassword = "guardianFeed.password";
    public const string GuardianFeedPrivateKey = "guardianFeed.privateKey";
}

public sealed record GuardianFeedSettings
{
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string? Username { get; init; }
    public string? HostKeyFingerprint { get; init; }
    public string? Path { get; init; }
}

/// <summary>From and to are both days of the pause, in the schedule's time zone.</summary>
public sealed record SchedulePause(DateOnly From, DateOnly To);

public sealed record SchoolMapping(string SourceSchoolId, Guid SchoolId);

public sealed record SyncFilters
{
    /// <summary>Roles the source contributes; empty = all.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];
    /// <summary>Source school ids the source contributes; empty = all.</summary>
    public IReadOnlyList<string> SchoolSourceIds { get; init; } = [];
    public bool HomeroomOnly { get; init; }
}

public sealed record FieldSetting(bool Overwrite);

public static class AbandonedStudentPolicy
{
    public const string Archive = "archive";
    public const string Remove = "remove";
}

public static class FamilyAbandonmentPolicy
{
    public const string Soft = "soft";
    public const string Extreme = "extreme";
}

public static class ManualStudentsPolicy
{
    public const string Allow = "allow";
    public const string Deny = "deny";
}

public sealed class SyncSettingsRow
{
    public Guid DistrictId { get; set; }
    public SyncSettings Settings { get; set; } = SyncSettings.Default;
    /// <summary>Source secrets (token, clientSecret, password, privateKey) as a Data Protection payload.</summary>
    public string? EncryptedSecrets { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
