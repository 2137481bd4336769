using System.Globalization;
using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.ServiceDefaults;

namespace RosterSync.Api.SyncSettings;

/// <summary>
/// PUT body (SPEC §8): the district's settings with the source's secrets, which are write-only. A secret left out
/// keeps the stored one; an empty string removes it.
/// </summary>
public sealed record SyncSettingsInput
{
    public SourceInput? Source { get; init; }
    /// <summary>A 5-field cron expression evaluated by the Worker, or null for no schedule.</summary>
    public string? Schedule { get; init; }
    /// <summary>The IANA time zone the schedule and the pauses are read in, e.g. "America/New_York"; default UTC.</summary>
    public string? ScheduleTimeZone { get; init; } = Schedules.DefaultTimeZone;
    /// <summary>Date ranges in which scheduled runs do not fire, e.g. the summer break.</summary>
    public IReadOnlyList<SchedulePauseInput?>? Pauses { get; init; } = [];
    public bool UpdateActiveUsers { get; init; }
    [Closed(nameof(Vocabularies.AbandonedStudents))]
    public string? AbandonedStudents { get; init; } = AbandonedStudentPolicy.Archive;
    [Closed(nameof(Vocabularies.FamilyAbandonment))]
    public string? FamilyAbandonment { get; init; } = FamilyAbandonmentPolicy.Soft;
    public int SafetyThresholdPercent { get; init; } = 10;
    public int SafetyThresholdMinimum { get; init; } = 5;
    [Closed(nameof(Vocabularies.ManualStudents))]
    public string? ManualStudents { get; init; } = ManualStudentsPolicy.Allow;
    public bool AbandonFiltered { get; init; }
    public IReadOnlyList<SchoolMapping>? SchoolMappings { get; init; } = [];
    public SyncFilters? Filters { get; init; } = new();
    public IReadOnlyDictionary<string, FieldSetting>? Fields { get; init; } = new Dictionary<string, FieldSetting>();
    /// <summary>The supplementary guardian file over SFTP (SPEC §3), or null for none.</summary>
    public GuardianFeedInput? GuardianFeed { get; init; }

    /// <summary>Every write-only value of the body, by the name it is stored under; null = not given.</summary>
    public IEnumerable<(string Name, string? Value)> Secrets() => [.. Source?.Secrets() ?? [], .. GuardianFeed?.Secrets() ?? []];

    public Domain.Model.SyncSettings ToSettings() => new()
    {
        Source = Source!.ToSettings(),
        Schedule = string.IsNullOrWhiteSpace(Schedule) ? null : Schedule.Trim(),
        ScheduleTimeZone = ScheduleTimeZone?.Trim() ?? Schedules.DefaultTimeZone,
        Pauses = [.. (Pauses ?? []).Select(p => p!.ToPause())],
        UpdateActiveUsers = UpdateActiveUsers,
        AbandonedStudents = AbandonedStudents!,
        FamilyAbandonment = FamilyAbandonment!,
        SafetyThresholdPercent = SafetyThresholdPercent,
        SafetyThresholdMinimum = SafetyThresholdMinimum,
        ManualStudents = ManualStudents!,
        AbandonFiltered = AbandonFiltered,
        SchoolMappings = SchoolMappings ?? [],
        Filters = Filters ?? new(),
        Fields = Fields ?? new Dictionary<string, FieldSetting>(),
        GuardianFeed = GuardianFeed?.ToSettings(),
    };

    /// <summary>The stored settings as a PUT body without secrets: the base a PATCH is merged onto.</summary>
    public static SyncSettingsInput From(Domain.Model.SyncSettings s) => new()
    {
        Source = SourceInput.From(s.Source),
        Schedule = s.Schedule,
        ScheduleTimeZone = s.ScheduleTimeZone,
        Pauses = [.. s.Pauses.Select(SchedulePauseInput.Of)],
        UpdateActiveUsers = s.UpdateActiveUsers,
        AbandonedStudents = s.AbandonedStudents,
        FamilyAbandonment = s.FamilyAbandonment,
        SafetyThresholdPercent = s.SafetyThresholdPercent,
        SafetyThresholdMinimum = s.SafetyThresholdMinimum,
        ManualStudents = s.ManualStudents,
        AbandonFiltered = s.AbandonFiltered,
        SchoolMappings = s.SchoolMappings,
        Filters = s.Filters,
        Fields = s.Fields,
        GuardianFeed = s.GuardianFeed is { } feed ? GuardianFeedInput.From(feed) : null,
    };
}

/// <summary>A pause: both days inclusive, as yyyy-MM-dd, in the schedule's time zone.</summary>
public sealed record SchedulePauseInput(string? From, string? To)
{
    public static bool TryDate(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    public SchedulePause ToPause() => new(DateOnly.ParseExact(From!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateOnly.ParseExact(To!, "yyyy-MM-dd", CultureInfo.InvariantCulture));

    public static SchedulePauseInput? Of(SchedulePause p) =>
        new(p.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), p.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
}

public sealed record SourceInput
{
    [Closed(nameof(Vocabularies.SourceKind))]
    public string? Kind { get; init; }
    public string? BaseUrl { get; init; }
    /// <summary>classlink only.</summary>
    [Closed(nameof(Vocabularies.ClassLinkAuth))]
    public string? Auth { get; init; }
    public string? ClientId { get; init; }
    public string? TokenUrl { get; init; }
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string? Username { get; init; }
    public string? HostKeyFingerprint { get; init; }
    public string? Folder { get; init; }
    public string? FilePattern { get; init; }
    /// <summary>Write-only. clever, or classlink with auth bearer.</summary>
    public string? Token { get; init; }
    /// <summary>Write-only. classlink with auth oauth1 or oauth2.</summary>
    public string? ClientSecret { get; init; }
    /// <summary>Write-only. oneroster-sftp.</summary>
    public string? Password { get; init; }
    /// <summary>Write-only. oneroster-sftp, OpenSSH format.</summary>
    public string? PrivateKey { get; init; }

    public IEnumerable<(string Name, string? Value)> Secrets() =>
        [(SecretNames.Token, Token), (SecretNames.ClientSecret, ClientSecret), (SecretNames.Password, Password), (SecretNames.PrivateKey, PrivateKey)];

    public SourceSettings ToSettings() => new()
    {
        Kind = Kind!, BaseUrl = BaseUrl, Auth = Auth, ClientId = ClientId, TokenUrl = TokenUrl, Host = Host, Port = Port,
        Username = Username, HostKeyFingerprint = HostKeyFingerprint, Folder = Folder, FilePattern = FilePattern,
    };

    public static SourceInput From(SourceSettings s) => new()
    {
        Kind = s.Kind, BaseUrl = s.BaseUrl, Auth = s.Auth, ClientId = s.ClientId, TokenUrl = s.TokenUrl, Host = s.Host, Port = s.Port,
        Username = s.Username, HostKeyFingerprint = s.HostKeyFingerprint, Folder = s.Folder, FilePattern = s.FilePattern,
    };
}

public sealed record GuardianFeedInput
{
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string? Username { get; init; }
    public string? HostKeyFingerprint { get; init; }
    /// <summary>The remote guardian file, e.g. /outbox/guardians.csv.</summary>
    public string? Path { get; init; }
    /// <summary>Write-only.</summary>
    public string? Password { get; init; }
    /// <summary>Write-only, OpenSSH format.</summary>
    public string? PrivateKey { get; init; }

    public IEnumerable<(string Name, string? Value)> Secrets() =>
        [(SecretNames.GuardianFeedPassword, Password), (SecretNames.GuardianFeedPrivateKey, PrivateKey)];

    public GuardianFeedSettings ToSettings() => new() { Host = Host, Port = Port, Username = Username, HostKeyFingerprint = HostKeyFingerprint, Path = Path };

    public static GuardianFeedInput From(GuardianFeedSettings s) =>
        new() { Host = s.Host, Port = s.Port, Username = s.Username, HostKeyFingerprint = s.HostKeyFingerprint, Path = s.Path };
}

/// <summary>GET answer: the settings with each secret replaced by whether it is set.</summary>
public sealed record SyncSettingsDocument(
    SourceView Source, string? Schedule, string ScheduleTimeZone, IReadOnlyList<SchedulePause> Pauses, bool UpdateActiveUsers,
    [property: Closed(nameof(Vocabularies.AbandonedStudents))] string AbandonedStudents, [property: Closed(nameof(Vocabularies.FamilyAbandonment))] string FamilyAbandonment,
    int SafetyThresholdPercent, int SafetyThresholdMinimum, [property: Closed(nameof(Vocabularies.ManualStudents))] string ManualStudents, bool AbandonFiltered,
    IReadOnlyList<SchoolMapping> SchoolMappings, SyncFilters Filters, IReadOnlyDictionary<string, FieldSetting> Fields,
    GuardianFeedView? GuardianFeed, DateTimeOffset? UpdatedAt)
{
    public static SyncSettingsDocument From(Domain.Model.SyncSettings s, IReadOnlySet<string> secretsSet, DateTimeOffset? updatedAt) => new(
        new SourceView(s.Source.Kind, s.Source.BaseUrl, s.Source.Auth, s.Source.ClientId, s.Source.TokenUrl, s.Source.Host, s.Source.Port,
            s.Source.Username, s.Source.HostKeyFingerprint, s.Source.Folder, s.Source.FilePattern,
            secretsSet.Contains(SecretNames.Token), secretsSet.Contains(SecretNames.ClientSecret),
            secretsSet.Contains(SecretNames.Password), secretsSet.Contains(SecretNames.PrivateKey)),
        s.Schedule, s.ScheduleTimeZone, s.Pauses, s.UpdateActiveUsers, s.AbandonedStudents, s.FamilyAbandonment, s.SafetyThresholdPercent, s.SafetyThresholdMinimum,
        s.ManualStudents, s.AbandonFiltered, s.SchoolMappings, s.Filters, s.Fields,
        s.GuardianFeed is { } feed
            ? new GuardianFeedView(feed.Host, feed.Port, feed.Username, feed.HostKeyFingerprint, feed.Path,
                secretsSet.Contains(SecretNames.GuardianFeedPassword), secretsSet.Contains(SecretNames.GuardianFeedPrivateKey))
            : null,
        updatedAt);
}

public sealed record SourceView(
    [property: Closed(nameof(Vocabularies.SourceKind))] string Kind, string? BaseUrl, [property: Closed(nameof(Vocabularies.ClassLinkAuth))] string? Auth, string? ClientId, string? TokenUrl, string? Host, int? Port, string? Username,
    string? HostKeyFingerprint, string? Folder, string? FilePattern,
    bool TokenSet, bool ClientSecretSet, bool PasswordSet, bool PrivateKeySet);

public sealed record GuardianFeedView(
    string? Host, int? Port, string? Username, string? HostKeyFingerprint, string? Path, bool PasswordSet, bool PrivateKeySet);
