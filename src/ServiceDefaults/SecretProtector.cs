using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace RosterSync.ServiceDefaults;

/// <summary>
/// Source secrets (token, clientSecret, password, privateKey) are write-only and encrypted at rest:
/// the Api protects them on PUT, only the Worker unprotects them to call a source.
/// </summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("RosterSync.SourceSecrets.v1");

    public string Protect(IReadOnlyDictionary<string, string> secrets) =>
        _protector.Protect(JsonSerializer.Serialize(secrets));

    public Dictionary<string, string> Unprotect(string? protectedSecrets) =>
        protectedSecrets is null ? [] : JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(protectedSecrets)) ?? [];
}
