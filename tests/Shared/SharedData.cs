namespace Ham.Testing;

/// <summary>
/// Locates the read-only shared inputs (../shared beside the repository, or HAM_SHARED). Tests that need them
/// use <see cref="SharedFactAttribute"/> and are skipped, with the reason, in a fresh clone that has none.
/// </summary>
public static class SharedData
{
    public static string? Root { get; } = Find();

    public static string SkipReason =>
        "needs ../shared beside the repository (or HAM_SHARED); a fresh clone has none, so this test is skipped";

    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Root ?? throw new InvalidOperationException(SkipReason), .. parts]);

    // Computed on use: test binaries built with --artifacts-path outside the clone have no Ham.sln above them.
    public static string RepositoryRoot => FindRepositoryRoot();

    private static string? Find()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("HAM_SHARED");
        if (!string.IsNullOrEmpty(fromEnvironment) && Directory.Exists(fromEnvironment)) return fromEnvironment;

        var root = TryFindRepositoryRoot();
        if (root is null) return null;
        var beside = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, "..", "shared"));
        return Directory.Exists(beside) ? beside : null;
    }

    private static string FindRepositoryRoot() =>
        TryFindRepositoryRoot() ?? throw new InvalidOperationException($"Ham.sln not found above {AppContext.BaseDirectory}");

    private static string? TryFindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Ham.sln"))) return dir.FullName;
        }
        return null;
    }
}

/// <summary>A fact that needs ../shared; skipped with a clear reason where it is absent.</summary>
public sealed class SharedFactAttribute : Xunit.FactAttribute
{
    public SharedFactAttribute()
    {
        if (SharedData.Root is null) Skip = SharedData.SkipReason;
    }
}

/// <summary>A theory that needs ../shared; skipped with a clear reason where it is absent.</summary>
public sealed class SharedTheoryAttribute : Xunit.TheoryAttribute
{
    public SharedTheoryAttribute()
    {
        if (SharedData.Root is null) Skip = SharedData.SkipReason;
    }
}
