using System.ComponentModel.DataAnnotations;

namespace RosterSync.Worker.Sources.ClassLink;

public sealed class ClassLinkOptions
{
    public const string Section = "Sources:ClassLink";

    /// <summary>The <c>limit</c> asked for; servers may cap it lower, which paging tolerates.</summary>
    [Range(1, 100_000)]
    public int PageSize { get; set; } = 1000;

    /// <summary>The scope asked for with oauth2 client credentials; empty sends none.</summary>
    public string? OAuth2Scope { get; set; } = "https://purl.imsglobal.org/spec/or/v1p1/scope/roster-core.readonly";
}
