using System.Diagnostics;
using Ham.Model.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
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
    private const int ChunkImages = 512;

    /// <summary>
    /// Decodes the items <paramref name="indices"/> of <paramref name="data"/> into a uint8 tensor [N, 3, S, S]
    /// (RGB, S = <paramref name="resolution"/>) on <paramref name="device"/> (CPU when null): square images are
    /// resized to S×S, others resized so that the shorter side is S and center-cropped (bilinear with the kernel
    /// widened when shrinking, like PIL's antialiased resize). Runs in parallel over <paramref name="threads"/>
    /// cores (all when null) and reports progress about every <paramref name="reportEvery"/> images and at the end.
    /// An undecodable file is an InvalidDataException naming it.
    /// </summary>
    public static Tensor Load(DomainDataset data, IReadOnlyList<int> indices, int resolution,
        Action<DecodeProgress>? progress = null, int? threads = null, Device? device = null, int reportEvery = 256,
        CancellationToken cancellation = default)
    {
        if (resolution < 1)
            throw new ArgumentOutOfRangeException(nameof(resolution), $"resolution {resolution} must be >= 1");
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"threads {threads} must be >= 1");

        var imageBytes = 3 * resolution * resolution;
        var cache = empty([indices.Count, 3, resolution, resolution], ScalarType.Byte);
        var chunk = new byte[(long)Math.Min(ChunkImages, Math.Max(1, indices.Count)) * imageBytes];
        var clock = Stopwatch.StartNew();
        var done = 0;
        var gate = new object();
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount,
            CancellationToken = cancellation,
        };
        try
        {
            // Decoded in chunks into one reused buffer, then copied into the cache: no second full-size copy.
            for (var start = 0; start < indices.Count; start += ChunkImages)
            {
                var count = Math.Min(ChunkImages, indices.Count - start);
                Parallel.For(0, count, options, i =>
                {
                    var item = data.Items[indices[start + i]];
                    using (var image = ImageDecoder.Decode(data.FullPath(item)))
                    {
                        FitSquare(image, resolution);
                        ToChannelsFirst(image, chunk, i * imageBytes);
                    }

                    var finished = Interlocked.Increment(ref done);
                    if (progress is not null && (finished % reportEvery == 0 || finished == indices.Count))
                    {
                        lock (gate) progress(new DecodeProgress(finished, indices.Count,
                            finished / clock.Elapsed.TotalSeconds));
                    }
                });
                using var decoded = tensor(chunk, [chunk.Length / imageBytes, 3, resolution, resolution]);
                using var part = cache.narrow(0, start, count);
                using var filled = decoded.narrow(0, 0, count);
                part.copy_(filled);
            }
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            cache.Dispose();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        catch
        {
            cache.Dispose();
            throw;
        }

        if (device is null || device.type == DeviceType.CPU) return cache;
        using (cache) return cache.to(device);
    }

    // Shorter side to S, then the central S×S (a square image is simply resized).
    private static void FitSquare(Image<Rgb24> image, int side)
    {
        var scale = (double)side / Math.Min(image.Width, image.Height);
        var width = Math.Max(side, (int)Math.Round(image.Width * scale));
        var height = Math.Max(side, (int)Math.Round(image.Height * scale));
        image.Mutate(x =>
        {
            if (width != image.Width || height != image.Height) x.Resize(width, height, KnownResamplers.Triangle);
            if (width != side || height != side)
                x.Crop(new Rectangle((width - side) / 2, (height - side) / 2, side, side));
        });
    }

    // [H, W] of RGB pixels -> [3, H, W] bytes.
    private static void ToChannelsFirst(Image<Rgb24> image, byte[] target, int start)
    {
        var plane = image.Width * image.Height;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                var offset = start + y * rows.Width;
                for (var x = 0; x < row.Length; x++)
                {
                    target[offset + x] = row[x].R;
                    target[plane + offset + x] = row[x].G;
                    target[2 * plane + offset + x] = row[x].B;
                }
            }
        });
    }
}
