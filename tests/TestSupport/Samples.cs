namespace RosterSync.TestSupport;

/// <summary>
/// Locates the shared sample files (/work/shared/samples here; in CI the repository is cloned with
/// shared/ beside it, so ../shared/samples from its root) by walking up from the test binaries.
/// ROSTERSYNC_SAMPLES overrides the search.
/// </summary>
public static class Samples
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Directory => Root.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root.Value, .. parts]);

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("ROSTERSYNC_SAMPLES") is { Length: > 0 } configured)
        {
            return System.IO.Directory.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"ROSTERSYNC_SAMPLES is '{configured}', which is not a directory.");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "samples");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"No shared/samples directory in any parent of {AppContext.BaseDirectory}. Clone the shared folder beside " +
            "the repository (so ../shared/samples exists from its root) or set ROSTERSYNC_SAMPLES.");
    }
}
