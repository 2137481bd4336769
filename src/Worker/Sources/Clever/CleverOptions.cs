using System.ComponentModel.DataAnnotations;

namespace RosterSync.Worker.Sources.Clever;

public sealed class CleverOptions
{
    public const string Section = "Sources:Clever";

    /// <summary>The host used when a district's settings give no baseUrl.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://api.clever.com");

    /// <summary>Records per page (Clever's <c>limit</c>; at most 10,000, above which Clever answers 413).</summary>
    [Range(1, 10_000)]
    public int PageSize { get; set; } = 1000;

    /// <summary>
    /// A section is a homeroom when its subject is Clever's "homeroom/advisory" or its name, period or subject
    /// contains one of these words (case-insensitive).
    /// </summary>
    public List<string> HomeroomKeywords { get; set; } = ["homeroom", "advisory"];
}
