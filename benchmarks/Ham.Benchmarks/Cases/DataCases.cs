using System.Diagnostics;
using Ham.Benchmarks.Measure;
using Ham.Cli.Data;
using Ham.Model.Imaging;
using TorchSharp;

namespace Ham.Benchmarks.Cases;

/// <summary>
/// Image loading on PACS: decode (ImageDecoder) and decode + resize into the training tensor (ImageCache at
/// 128 px, the ResNet-18 path), on one core and on all cores. MB/s counts the encoded file bytes.
/// </summary>
public static class DataCases
{
    /// <summary>PACS images in DomainBed layout, from the shared data.</summary>
    public static string DefaultRoot => Path.Combine(Repository.SharedRoot, "data", "pacs", "images");

    /// <summary>
    /// Figures over every <paramref name="stride"/>-th image of <paramref name="root"/> (all four domains, so
    /// that the PNG sketches weigh as they do in PACS).
    /// </summary>
    public static IEnumerable<Figure> Decode(string root, int stride, IReadOnlyList<int> threadCounts)
    {
        var data = DomainBedFolder.Scan(root);
        var indices = Enumerable.Range(0, data.Items.Count).Where(i => i % stride == 0).ToList();
        var paths = indices.Select(i => data.FullPath(data.Items[i])).ToList();
        var bytes = paths.Sum(p => new FileInfo(p).Length);
        foreach (var path in paths) File.ReadAllBytes(path); // into the page cache: measure decoding, not the disk

        foreach (var threads in threadCounts)
        {
            var decodeSeconds = Time(() => Parallel.ForEach(paths,
                new ParallelOptions { MaxDegreeOfParallelism = threads },
                path => ImageDecoder.Decode(path).Dispose()));
            foreach (var figure in Rates($"PACS decode (ImageDecoder), {threads} thread(s)", paths.Count, bytes,
                         decodeSeconds, threads))
                yield return figure;

            var cacheSeconds = Time(() =>
            {
                using var cached = ImageCache.Load(data, indices, 128, threads: threads);
            });
            foreach (var figure in Rates($"PACS decode + resize 128 px (ImageCache.Load), {threads} thread(s)",
                         paths.Count, bytes, cacheSeconds, threads))
                yield return figure;
        }
    }

    /// <summary>
    /// What a training step pays for input once the cache holds the decoded images: batch augmentation
    /// (random resized crop and flip) of 32 cached 128 px images, img/s.
    /// </summary>
    public static IEnumerable<Figure> Augmentation(int steps)
    {
        const int batch = 32, resolution = 128;
        using var cached = torch.randint(0, 256, [batch, 3, resolution, resolution], torch.ScalarType.Byte);
        var random = new Random(0);
        Augment.RandomResizedCropFlip(cached, random).Dispose();
        var seconds = Time(() =>
        {
            for (var i = 0; i < steps; i++) Augment.RandomResizedCropFlip(cached, random).Dispose();
        }) / steps;
        yield return Figure.Now("data", "augment 32 cached 128 px images (Augment.RandomResizedCropFlip)",
            batch / seconds, "img/s", new { batch, resolution, steps, seconds_per_batch = seconds,
                threads = torch.get_num_threads() });
    }

    private static IEnumerable<Figure> Rates(string name, int images, long bytes, double seconds, int threads)
    {
        var details = new { images, bytes, seconds, threads, torch_threads = torch.get_num_threads() };
        yield return Figure.Now("data", name, images / seconds, "img/s", details);
        yield return Figure.Now("data", name + " MB/s", bytes / seconds / 1e6, "MB/s", details);
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }
}
