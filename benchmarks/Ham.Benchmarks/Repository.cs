namespace Ham.Benchmarks;

/// <summary>Where the repository and the shared data are, found from the working directory upwards.</summary>
public static class Repository
{
    /// <summary>The folder that holds Ham.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The shared read-only data, ../shared from the repository (HAM_SHARED overrides).</summary>
    public static string SharedRoot =>
        Environment.GetEnvironmentVariable("HAM_SHARED") ?? Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>The PyTorch anchor scripts.</summary>
    public static string AnchorsFolder => Path.Combine(Root, "benchmarks", "anchors");

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
                if (File.Exists(Path.Combine(folder.FullName, "Ham.sln"))) return folder.FullName;
        }
        throw new DirectoryNotFoundException(
            $"no Ham.sln above {Directory.GetCurrentDirectory()}; run the benchmarks from the repository");
    }
}
