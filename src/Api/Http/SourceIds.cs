using System.Text.Json.Serialization;

namespace RosterSync.Api.Http;

/// <summary>A record's source links (SPEC §8 person shape): one id per source, null when absent.</summary>
public sealed record SourceIds(
    string? Sis,
    [property: JsonPropertyName("oneroster")] string? OneRoster,
    string? Clever,
    [property: JsonPropertyName("classlink")] string? ClassLink);
