using System.Diagnostics;
using Ham.Algorithms;
using Ham.Benchmarks.Measure;
using Ham.Benchmarks.Synthetic;
using Ham.Cli.Commands;
using Ham.Model.Checkpoints;
using TorchSharp;

namespace Ham.Benchmarks.Cases;

/// <summary>
/// Whole-process merge figures on K = 3 models of ViT-B/16 image-tower size. Each case runs in a fresh child
/// process, so that VmHWM is the peak of that case alone.
/// </summary>
public static class MergeCases
{
    /// <summary>Models merged (K).</summary>
    public const int ModelCount = 3;

    /// <summary>The merge methods measured, by CLI name, with the settings the issue names.</summary>
    public static IReadOnlyDictionary<string, MergeMethod> Methods { get; } = new Dictionary<string, MergeMethod>
    {
        ["task-arithmetic"] = new TaskArithmetic(Lambda: 0.3),
        ["ties"] = new Ties(Density: 0.2, Lambda: 1.0),
        ["dare"] = new Dare(DropRate: 0.9, Seed: 0),
        ["rhm"] = new Rhm(Density: 0.2, Lambda: 1.0),
    };

    /// <summary>Bytes of input a merge reads: θ0 and K models, float32.</summary>
    public static long InputBytes => (ModelCount + 1) * VitB16ImageTower.Bytes;

    /// <summary>RHM weighs per parameter group: one group per residual block, the rest per key.</summary>
    public static IReadOnlyList<ParameterGroup> Groups { get; } = Enumerable.Range(0, 12)
        .Select(i => $"visual.transformer.resblocks.{i}.")
        .Select(prefix => new ParameterGroup(prefix.TrimEnd('.'),
            VitB16ImageTower.Shapes.Select(s => s.Key).Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
                .ToList()))
        .ToList();

    /// <summary>Merge of models generated in memory; the peak above the inputs is reported too.</summary>
    public static IEnumerable<Figure> InMemory(string methodName)
    {
        var method = MethodNamed(methodName);
        var pretrained = VitB16ImageTower.Pretrained();
        var models = Enumerable.Range(1, ModelCount)
            .Select(k => (IReadOnlyDictionary<string, torch.Tensor>)VitB16ImageTower.FineTuned(k, pretrained))
            .ToList();
        var inputsResident = ProcessMemory.ResidentBytes();
        var reset = ProcessMemory.ResetPeak();

        var sampler = new MemorySampler();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var merged = Merge.Models(method, pretrained, models, Groups);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        sampler.Dispose();

        var peak = ProcessMemory.PeakResidentBytes();
        var checksum = Checksum(merged);
        Dispose(merged);
        foreach (var model in models) Dispose(model);
        Dispose(pretrained);
        return Figures($"{methodName} in memory", seconds, peak, inputsResident, reset, sampler, cpuSeconds, checksum);
    }

    /// <summary>
    /// Writes the synthetic safetensors inputs in a process of its own (once), so that the streamed cases start
    /// with nothing resident but the runtime; reports the write rate when it had to write.
    /// </summary>
    public static IEnumerable<Figure> Prepare(string folder)
    {
        var clock = Stopwatch.StartNew();
        var paths = VitB16ImageTower.WriteFolder(folder, ModelCount);
        var seconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"inputs ready in {folder} ({paths.Count} files, {seconds:F1} s)");
        yield break;
    }

    /// <summary>
    /// Merge streamed from safetensors files tensor by tensor into an output file with the functions `ham merge`
    /// runs (RHM makes a first pass for the Gram matrices of its groups).
    /// </summary>
    public static IEnumerable<Figure> Streamed(string methodName, string folder)
    {
        var method = MethodNamed(methodName);
        var paths = VitB16ImageTower.WriteFolder(folder, ModelCount);
        var output = Path.Combine(folder, $"merged-{methodName}.safetensors");
        var startResident = ProcessMemory.ResidentBytes();
        var reset = ProcessMemory.ResetPeak();

        var sampler = new MemorySampler();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        StreamMerge(method, paths[0], paths.Skip(1).ToList(), output);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        sampler.Dispose();

        var peak = ProcessMemory.PeakResidentBytes();
        File.Delete(output);
        return Figures($"{methodName} streamed from files", seconds, peak, startResident, reset, sampler, cpuSeconds,
            double.NaN);
    }

    // The library functions `ham merge` runs: StreamedMerge.Weights (RHM's Gram pass) and StreamedMerge.Write.
    private static void StreamMerge(MergeMethod method, string pretrainedPath, IReadOnlyList<string> modelPaths,
        string outputPath)
    {
        var config = method.ToGeneralized(modelPaths.Count);
        using var pretrained = SafetensorsFile.Open(pretrainedPath);
        var models = modelPaths.Select(SafetensorsFile.Open).ToList();
        try
        {
            var weightsOf = StreamedMerge.Weights(config, pretrained, models, Groups);
            StreamedMerge.Write(config, pretrained, models, weightsOf, torch.ScalarType.Float32, outputPath,
                new Dictionary<string, string>(), CancellationToken.None);
        }
        finally
        {
            foreach (var model in models) model.Dispose();
        }
    }

    private static MergeMethod MethodNamed(string name) => Methods.TryGetValue(name, out var method)
        ? method
        : throw new ArgumentException(
            $"unknown merge method '{name}', expected one of {string.Join(", ", Methods.Keys)}", nameof(name));

    private static IEnumerable<Figure> Figures(string name, double seconds, long peak, long baseline, bool reset,
        MemorySampler sampler, double cpuSeconds, double checksum)
    {
        var details = new
        {
            seconds,
            cpu_seconds = cpuSeconds,
            peak_bytes = peak,
            baseline_bytes = baseline,
            peak_reset = reset,
            peak_anonymous_bytes = sampler.PeakAnonymousBytes,
            peak_file_bytes = sampler.PeakFileBytes,
            input_bytes = InputBytes,
            parameters = VitB16ImageTower.ParameterCount,
            threads = torch.get_num_threads(),
            checksum,
        };
        yield return Figure.Now("merge", name, seconds, "s", details);
        yield return Figure.Now("merge", name + " GB/s", InputBytes / seconds / 1e9, "GB/s", details);
        yield return Figure.Now("merge", name + " peak", peak / 1e9, "GB", details);
        yield return Figure.Now("merge", name + " peak above inputs", (peak - baseline) / 1e9, "GB", details);
    }

    private static double Checksum(IReadOnlyDictionary<string, torch.Tensor> tensors)
    {
        var sum = 0.0;
        foreach (var tensor in tensors.Values)
        {
            using var total = tensor.to(torch.ScalarType.Float64).sum();
            sum += total.item<double>();
        }
        return sum;
    }

    private static void Dispose(IReadOnlyDictionary<string, torch.Tensor> tensors)
    {
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }
}
