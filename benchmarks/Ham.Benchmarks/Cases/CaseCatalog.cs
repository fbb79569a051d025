using Ham.Benchmarks.Measure;

namespace Ham.Benchmarks.Cases;

/// <summary>
/// The end-to-end cases by name. The runner starts each in a child process (`Ham.Benchmarks case NAME`), which
/// prints one "RESULT {json}" line per figure.
/// </summary>
public static class CaseCatalog
{
    /// <summary>Folder for the synthetic safetensors inputs (HAM_BENCH_TMP overrides).</summary>
    public static string ScratchFolder =>
        Environment.GetEnvironmentVariable("HAM_BENCH_TMP") ?? Path.Combine(Path.GetTempPath(), "ham-bench-vitb16");

    /// <summary>Training steps timed per case (HAM_BENCH_STEPS overrides).</summary>
    public static int Steps => int.TryParse(Environment.GetEnvironmentVariable("HAM_BENCH_STEPS"), out var s) ? s : 5;

    /// <summary>Every case name, in the order the runner takes them.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "memcopy",
        "prepare",
        .. MergeCases.Methods.Keys.Select(m => $"merge-memory:{m}"),
        .. MergeCases.Methods.Keys.Select(m => $"merge-stream:{m}"),
        "safetensors-read",
        "tokenizer",
        "decode",
        "augment",
        "resnet18",
        "vit-b16",
    ];

    public static IEnumerable<Figure> Run(string name)
    {
        var (kind, argument) = name.Split(':', 2) is [var k, var a] ? (k, a) : (name, "");
        return kind switch
        {
            "memcopy" => MemoryCases.Copy(),
            "prepare" => MergeCases.Prepare(ScratchFolder),
            "merge-memory" => MergeCases.InMemory(argument),
            "merge-stream" => MergeCases.Streamed(argument, ScratchFolder),
            "merge-profile" => argument == "ingredients" ? MergeProfile.Ingredients() : MergeProfile.Steps(argument),
            "safetensors-read" => ReadCases.Safetensors(ScratchFolder),
            "tokenizer" => ReadCases.Tokenizer(),
            "decode" => DataCases.Decode(DataCases.DefaultRoot, stride: 4, [1, Environment.ProcessorCount]),
            "augment" => DataCases.Augmentation(steps: 20),
            "resnet18" => TrainingCases.ResNet18Throughput(Steps),
            "vit-b16" => TrainingCases.VitB16Throughput(Math.Max(1, Steps / 2)),
            _ => throw new ArgumentException(
                $"unknown case '{name}', expected one of: {string.Join(", ", Names)}", nameof(name)),
        };
    }
}
