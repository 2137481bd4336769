using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RosterSync.Api.Http;

/// <summary>
/// A PATCH body takes only the members it can change. Any other member (a read-only one such as status, roles or
/// districtId, or a misspelt one) is a 400 validation problem naming it: ignoring it would answer 200 to a client
/// that believes it changed something. AddValidation runs <see cref="Validate"/> before the handler.
/// </summary>
public abstract record PatchBody : IValidatableObject
{
    /// <summary>The members the body had that are not the record's own.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? OtherMembers { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OtherMembers is not { Count: > 0 }) yield break;
        var patchable = string.Join(", ", PatchableMembers(GetType()));
        foreach (var member in OtherMembers.Keys)
            yield return new ValidationResult($"{member} cannot be changed with PATCH; the members that can: {patchable}.", [member]);
    }

    public static IEnumerable<string> PatchableMembers(Type type) => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name));
}
