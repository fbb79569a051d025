namespace Ham.Cli.Data;

/// <summary>How big a generated data set is.</summary>
/// <param name="ImagesPerClass">Images per domain and class.</param>
/// <param name="Size">Side of the square images in pixels.</param>
public sealed record SyntheticOptions(int ImagesPerClass = 48, int Size = 64);

/// <summary>
/// A small multi-domain data set that Ham generates itself (DomainBed layout): four domains that differ in
/// rendering style (photo: textured, cartoon: flat colours, painting: noisy brush strokes, sketch: outlines)
/// × six classes of shapes. Deterministic by seed.
/// </summary>
public static class SyntheticDomains
{
    /// <summary>The domain folder names, in order.</summary>
    public static IReadOnlyList<string> Domains { get; } = ["cartoon", "painting", "photo", "sketch"];

    /// <summary>The class folder names, in order.</summary>
    public static IReadOnlyList<string> Classes { get; } = ["circle", "cross", "ring", "square", "star", "triangle"];

    /// <summary>Writes the data set into <paramref name="directory"/> (created) and returns its full path.</summary>
    public static string Write(string directory, int seed, SyntheticOptions? options = null) =>
        throw new NotImplementedException();
}
