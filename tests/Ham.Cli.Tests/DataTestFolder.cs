namespace Ham.Cli.Tests;

/// <summary>A temporary folder for one test, deleted afterwards.</summary>
public sealed class DataTestFolder : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("ham-data-test-").FullName;

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Writes a file (creating its folders) with the given bytes.</summary>
    public string File(string relative, byte[]? bytes = null)
    {
        var path = Path(relative.Split('/'));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, bytes ?? [1, 2, 3]);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
