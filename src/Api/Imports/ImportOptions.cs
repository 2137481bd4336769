using System.ComponentModel.DataAnnotations;

namespace RosterSync.Api.Imports;

public sealed class ImportOptions
{
    public const string Section = "Imports";

    /// <summary>Largest accepted upload; larger ones answer 413. Default 512 MB (issue 6).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 512L * 1024 * 1024;
}
