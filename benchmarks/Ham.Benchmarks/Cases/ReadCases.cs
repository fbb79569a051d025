using System.Diagnostics;
using Ham.Benchmarks.Measure;
using Ham.Benchmarks.Synthetic;
using Ham.Model.Checkpoints;
using TorchSharp;

namespace Ham.Benchmarks.Cases;

/// <summary>Checkpoint reading (GB/s) and tokenizing (texts/s).</summary>
public static class ReadCases
{
    /// <summary>
    /// Reads one 345 MB ViT-B/16-tower file tensor by tensor (SafetensorsFile.Read), best of 3, from the page
    /// cache: the figure is the reader's own speed, not the disk's.
    /// </summary>
    public static IEnumerable<Figure> Safetensors(string folder)
    {
        var path = VitB16ImageTower.WriteFolder(folder, MergeCases.ModelCount)[0];
        var bytes = new FileInfo(path).Length;
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var file = SafetensorsFile.Open(path))
            {
                foreach (var entry in file.Entries) file.Read(entry).Dispose();
            }
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        yield return Figure.Now("data", "safetensors read (SafetensorsFile.Read, warm cache)", bytes / best / 1e9,
            "GB/s", new { bytes, seconds = best, peak_bytes = ProcessMemory.PeakResidentBytes() });
    }

    /// <summary>Pending: ClipTokenizer.Default has not landed in src/Ham.Model yet.</summary>
    public static IEnumerable<Figure> Tokenizer()
    {
        Console.Error.WriteLine("tokenizer: skipped, waiting for ClipTokenizer");
        yield break;
    }
}
