namespace Ham.Model.IO;

/// <summary>
/// Checks on the path an output is written to, before any work is done: an output that is also one of the inputs
/// would replace that input when the atomic write renames over it, so it is refused.
/// </summary>
public static class OutputPath
{
    /// <summary>
    /// Throws ArgumentException naming <paramref name="option"/> when <paramref name="output"/> is the same file as
    /// one of <paramref name="inputs"/> (after making paths absolute and following symbolic links).
    /// </summary>
    public static void RequireNotAnInput(string output, string option, IEnumerable<(string Option, string Path)> inputs)
    {
        var target = Resolve(output);
        foreach (var (inputOption, path) in inputs)
        {
            if (string.Equals(Resolve(path), target, StringComparison.Ordinal))
                throw new ArgumentException($"{option} {output} is also the input {inputOption} {path}; writing it " +
                                            "would replace that input: choose another output path", option);
        }
    }

    // The absolute path with symbolic links followed: the file itself and every folder above it (a link two
    // folders up leads to the same file as much as one on the file's own folder).
    private static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (directory is not null) full = Path.Combine(RealFolder(directory), Path.GetFileName(full));
        var file = new FileInfo(full);
        var target = file.Exists ? file.ResolveLinkTarget(returnFinalTarget: true) : null;
        return target is null ? full : Resolve(target.FullName);
    }

    // The folder with each link on its path followed, from the root down; a folder that does not exist stays as is.
    private static string RealFolder(string directory)
    {
        var parent = Path.GetDirectoryName(directory);
        var folder = parent is null ? directory : Path.Combine(RealFolder(parent), Path.GetFileName(directory));
        var target = Directory.Exists(folder) ? new DirectoryInfo(folder).ResolveLinkTarget(returnFinalTarget: true)
            : null;
        return target is null ? folder : RealFolder(target.FullName);
    }
}
