namespace RosterSync.Api.Http;

/// <summary>Browser front ends allowed to call the Api (issue 6). Empty: no CORS headers at all.</summary>
public sealed class CorsSettings
{
    public const string Section = "Cors";

    public string[] AllowedOrigins { get; set; } = [];
}
