using RosterSync.Api.Http;
using RosterSync.Domain.Model;
using RosterSync.ServiceDefaults;

namespace RosterSync.Api.SyncSettings;

/// <summary>How RosterSync signs in to a ClassLink source (<c>source.auth</c>).</summary>
public static class ClassLinkAuthMethods
{
    public const string OAuth1 = "oauth1";
    public const string OAuth2 = "oauth2";
    public const string Bearer = "bearer";
}

/// <summary>Checks a settings document; answers the invalid fields keyed by their JSON path, as a validation problem lists them.</summary>
public static class SettingsValidator
{
    private static readonly IReadOnlyList<string> ClassLinkAuth = Vocabularies.ClassLinkAuth.Values;

    /// <param name="secrets">The secrets the district will have after this write: stored ones merged with the given ones.</param>
    /// <param name="schoolIds">The district's school ids, to check schoolMappings against.</param>
    public static Dictionary<string, string[]> Validate(SyncSettingsInput input, IReadOnlyDictionary<string, string> secrets, IReadOnlySet<Guid> schoolIds)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];
        void OneOf(string field, string? value, IReadOnlyList<string> allowed)
        {
            if (value is null || !allowed.Contains(value)) Error(field, $"Must be one of: {string.Join(", ", allowed)}.");
        }

        if (input.Source is not { } source) Error("source", "Required.");
        else ValidateSource(source, secrets, Error);

        if (input.Schedule is { } schedule && !string.IsNullOrWhiteSpace(schedule) && !Schedules.TryParse(schedule, out _))
            Error("schedule", "Must be a 5-field cron expression (minute hour day-of-month month day-of-week), e.g. \"0 2 * * *\".");
        if (input.ScheduleTimeZone is { } zone && !Schedules.TryFindTimeZone(zone, out _))
            Error("scheduleTimeZone", $"Unknown time zone '{zone}': must be an IANA time zone id, e.g. \"America/New_York\" or \"UTC\".");
        ValidatePauses(input.Pauses ?? [], Error);
        OneOf("abandonedStudents", input.AbandonedStudents, Vocabularies.AbandonedStudents.Values);
        OneOf("familyAbandonment", input.FamilyAbandonment, Vocabularies.FamilyAbandonment.Values);
        OneOf("manualStudents", input.ManualStudents, Vocabularies.ManualStudents.Values);
        if (input.SafetyThresholdPercent is < 0 or > 100) Error("safetyThresholdPercent", "Must be between 0 and 100.");
        if (input.SafetyThresholdMinimum < 0) Error("safetyThresholdMinimum", "Must be 0 or more.");

        foreach (var (mapping, i) in (input.SchoolMappings ?? []).Select((m, i) => (m, i)))
        {
            if (string.IsNullOrWhiteSpace(mapping?.SourceSchoolId)) Error($"schoolMappings[{i}].sourceSchoolId", "Required.");
            if (mapping is null || !schoolIds.Contains(mapping.SchoolId)) Error($"schoolMappings[{i}].schoolId", "No such school in this district.");
        }
        foreach (var (role, i) in (input.Filters?.Roles ?? []).Select((r, i) => (r, i)))
            if (!Roles.All.Contains(role)) Error($"filters.roles[{i}]", $"Must be one of: {string.Join(", ", Roles.All)}.");
        if (input.GuardianFeed is { } feed) ValidateGuardianFeed(feed, secrets, Error);
        return errors;
    }

    private static void ValidatePauses(IReadOnlyList<SchedulePauseInput?> pauses, Action<string, string> error)
    {
        for (var i = 0; i < pauses.Count; i++)
        {
            if (pauses[i] is not { } pause)
            {
                error($"pauses[{i}]", "Required: {\"from\": \"yyyy-MM-dd\", \"to\": \"yyyy-MM-dd\"}.");
                continue;
            }
            var from = SchedulePauseInput.TryDate(pause.From, out var first);
            var to = SchedulePauseInput.TryDate(pause.To, out var last);
            if (!from) error($"pauses[{i}].from", "Must be a date as yyyy-MM-dd (the first day of the pause).");
            if (!to) error($"pauses[{i}].to", "Must be a date as yyyy-MM-dd (the last day of the pause).");
            if (from && to && first > last) error($"pauses[{i}].from", $"Must be on or before to ({pause.To}): both days are in the pause.");
        }
    }

    private static void ValidateGuardianFeed(GuardianFeedInput feed, IReadOnlyDictionary<string, string> secrets, Action<string, string> error)
    {
        void Required(string field, string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) error($"guardianFeed.{field}", "Required for a guardian feed.");
        }
        Required("host", feed.Host);
        Required("username", feed.Username);
        Required("hostKeyFingerprint", feed.HostKeyFingerprint);
        Required("path", feed.Path);
        if (feed.Port is < 1 or > 65535) error("guardianFeed.port", "Must be between 1 and 65535.");
        if (!secrets.ContainsKey(SecretNames.GuardianFeedPassword) && !secrets.ContainsKey(SecretNames.GuardianFeedPrivateKey))
            error("guardianFeed.password", "A password or a privateKey is required for a guardian feed (write-only; not stored yet).");
    }

    private static void ValidateSource(SourceInput source, IReadOnlyDictionary<string, string> secrets, Action<string, string> error)
    {
        void Required(string field, string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) error($"source.{field}", $"Required for kind {source.Kind}.");
        }
        void Secret(string name)
        {
            if (!secrets.ContainsKey(name)) error($"source.{name}", $"Required for kind {source.Kind} (write-only; not stored yet).");
        }

        if (source.BaseUrl is { } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
            error("source.baseUrl", "Must be an absolute http or https URL.");
        if (source.Port is < 1 or > 65535) error("source.port", "Must be between 1 and 65535.");
        switch (source.Kind)
        {
            case SourceKinds.Upload:
                break;
            case SourceKinds.Clever:
                Secret(SecretNames.Token);
                break;
            case SourceKinds.ClassLink:
                Required("baseUrl", source.BaseUrl);
                if (source.Auth is null || !ClassLinkAuth.Contains(source.Auth))
                    error("source.auth", $"Must be one of: {string.Join(", ", ClassLinkAuth)}.");
                if (source.Auth == ClassLinkAuthMethods.Bearer) Secret(SecretNames.Token);
                if (source.Auth is ClassLinkAuthMethods.OAuth1 or ClassLinkAuthMethods.OAuth2)
                {
                    Required("clientId", source.ClientId);
                    Secret(SecretNames.ClientSecret);
                }
                if (source.Auth == ClassLinkAuthMethods.OAuth2) Required("tokenUrl", source.TokenUrl);
                break;
            case SourceKinds.OneRosterSftp:
                Required("host", source.Host);
                Required("username", source.Username);
                Required("hostKeyFingerprint", source.HostKeyFingerprint);
                if (!secrets.ContainsKey(SecretNames.Password) && !secrets.ContainsKey(SecretNames.PrivateKey))
                    error("source.password", "A password or a privateKey is required for kind oneroster-sftp.");
                break;
            default:
                error("source.kind", $"Must be one of: {string.Join(", ", SourceKinds.All)}.");
                break;
        }
    }
}
