using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Cli.Data;

/// <summary>Progress of a decode: images done so far, of how many, and the rate since the start.</summary>
/// <param name="Done">Images decoded so far.</param>
/// <param name="Total">Images to decode.</param>
/// <param name="ImagesPerSecond">Decode rate since the start (img/s).</param>
public sealed record DecodeProgress(int Done, int Total, double ImagesPerSecond);

/// <summary>Decodes images once, at the training resolution, into one uint8 tensor held in memory.</summary>
public static class ImageCache
{
    /// <summary>
    /// Decodes the items <paramref name="indices"/> of <paramref name="data"/> into a uint8 tensor [N, 3, S, S]
    /// (RGB, S = <paramref name="resolution"/>) on <paramref name="device"/> (CPU when null): square images are
    /// resized to S×S, others resized so that the shorter side is S and center-cropped. Runs in parallel over
    /// <paramref name="threads"/> cores (all when null) and reports progress about every
    /// <paramref name="reportEvery"/> images.
    /// </summary>
    public static Tensor Load(DomainDataset data, IReadOnlyList<int> indices, int resolution,
        Action<DecodeProgress>? progress = null, int? threads = null, Device? device = null, int reportEvery = 256,
        CancellationToken cancellation = default) =>
        throw new NotImplementedException();
}
