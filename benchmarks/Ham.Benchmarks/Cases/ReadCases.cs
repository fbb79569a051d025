using System.Diagnostics;
using Ham.Benchmarks.Measure;
using Ham.Benchmarks.Synthetic;
using System.Text.Json;
using Ham.Model.Checkpoints;
using Ham.Model.Tokenization;
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

    /// <summary>The 400 texts of the shared tokenizer fixture, plus PACS prompts ("a photo of a dog.").</summary>
    public static IReadOnlyList<string> TokenizerTexts()
    {
        var path = Path.Combine(Repository.SharedRoot, "fixtures", "clip-tokenizer.jsonl");
        var texts = File.ReadLines(path)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!)
            .ToList();
        string[] classes = ["dog", "elephant", "giraffe", "guitar", "horse", "house", "person"];
        texts.AddRange(classes.Select(c => $"a photo of a {c}."));
        return texts;
    }

    /// <summary>
    /// ClipTokenizer texts/s: a fresh tokenizer's first pass over the texts (its caches cold), then
    /// ClipTokenizer.Default over 20 passes (warm), one thread; and EncodeBatch to [N, 77] ids.
    /// </summary>
    public static IEnumerable<Figure> Tokenizer()
    {
        var texts = TokenizerTexts();
        var vocabulary = Path.Combine(Repository.SharedRoot, "data", "clip-tokenizer");
        var fresh = ClipTokenizer.FromFiles(Path.Combine(vocabulary, "vocab.json"),
            Path.Combine(vocabulary, "merges.txt"));
        var clock = Stopwatch.StartNew();
        var tokens = texts.Sum(text => fresh.Encode(text).Length);
        var cold = clock.Elapsed.TotalSeconds;

        var tokenizer = ClipTokenizer.Default;
        foreach (var text in texts) tokenizer.Encode(text);
        const int passes = 20;
        clock.Restart();
        for (var pass = 0; pass < passes; pass++)
            foreach (var text in texts) tokenizer.Encode(text);
        var warm = clock.Elapsed.TotalSeconds / passes;

        clock.Restart();
        for (var pass = 0; pass < passes; pass++) tokenizer.EncodeBatch(texts, truncate: true).Dispose();
        var batch = clock.Elapsed.TotalSeconds / passes;

        var details = new
        {
            texts = texts.Count, tokens, cold_seconds = cold, warm_seconds = warm, batch_seconds = batch,
        };
        yield return Figure.Now("data", "tokenizer Encode, first pass (cold caches), 1 thread", texts.Count / cold,
            "texts/s", details);
        yield return Figure.Now("data", "tokenizer Encode, warm, 1 thread", texts.Count / warm, "texts/s", details);
        yield return Figure.Now("data", "tokenizer EncodeBatch to [N, 77], warm", texts.Count / batch, "texts/s",
            details);
    }
}
