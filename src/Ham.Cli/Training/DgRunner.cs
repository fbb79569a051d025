using System.Diagnostics;
using Ham.Cli.Data;
using Ham.Cli.Runs;
using Ham.Model.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>
/// The whole leave-one-domain-out job: data scanned and split, every image decoded once into memory, the backbone
/// and θ0's features of the source images (for the frozen head) computed once, then each (target, seed) cell with
/// every method; finished cells in results.jsonl are skipped, an interrupted training resumes from its checkpoint.
/// </summary>
public static class DgRunner
{
    /// <summary>Runs (or resumes) the job in <paramref name="files"/>; returns the results of its cells.</summary>
    public static List<ResultLine> Run(DgOptions options, RunFiles files, IRunProgress progress,
        StepBudget? budget = null, CancellationToken cancel = default)
    {
        Validate(options);
        files.RequireSameRecipe(options);
        if (options.Threads > 0) set_num_threads(options.Threads);
        var device = ParseDevice(options.Device);

        // Everything about the input (data, splits, backbone) is checked before the run directory gets its first file.
        var data = DomainBedFolder.Scan(options.Data);
        var splits = options.Splits is { } splitsDir
            ? SplitLists.Load(splitsDir, data)
            : SplitLists.Random(data, options.SplitSeed);
        if (data.Domains.Count < 2)
            throw new ArgumentException($"--data: leave-one-domain-out needs at least two domains, {data.Root} has " +
                                        $"{data.Domains.Count} ({string.Join(", ", data.Domains)})");
        foreach (var target in options.Targets)
        {
            if (!data.Domains.Contains(target))
                throw new ArgumentException($"--targets: '{target}' is not a domain of {data.Root}; the domains " +
                                            $"are: {string.Join(", ", data.Domains)}");
        }
        RequireSourceSplits(data, splits, options.Targets);
        using var backbone = Backbones.Load(options.Backbone, options.Checkpoint, device);
        files.WriteOptions(options);
        Log.Info($"data: {data.Root}: {data.Items.Count} images, domains {string.Join(", ", data.Domains)}, " +
                 $"{data.Classes.Count} classes, {data.SkippedFiles} file{(data.SkippedFiles == 1 ? "" : "s")} " +
                 $"skipped; splits: {splits.Source}");

        using var store = Decode(data, options, device, progress, cancel);
        var evaluator = new Evaluator(backbone, store, options.EvalBatch);
        var features = backbone.HeadFromFeatures ? TrainFeatures(backbone, store, splits, evaluator, files, cancel)
            : null;
        try
        {
            foreach (var seed in options.Seeds)
            foreach (var target in options.Targets)
            {
                var targetIndex = data.DomainIndex(target);
                var sources = Enumerable.Range(0, data.Domains.Count).Where(d => d != targetIndex).ToList();
                using var head = Head(backbone, data, splits, sources, features);
                var cell = new CellContext(backbone, store, splits, options, files, target, seed, sources, head,
                    evaluator, progress, budget, cancel);
                new CellRunner(cell).Run(options.Methods);
            }
        }
        finally
        {
            if (features is not null) StateDicts.Dispose(features.Values);
        }
        var wanted = options.Targets.ToHashSet();
        var seeds = options.Seeds.ToHashSet();
        return files.ReadResults().Where(r => wanted.Contains(r.Target) && seeds.Contains(r.Seed)).ToList();
    }

    public static Device ParseDevice(string name) => name switch
    {
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw new ArgumentException("--device cuda: CUDA is not available (build with -p:HamCuda=true " +
                                              "on a machine with an NVIDIA GPU)"),
        _ => throw new ArgumentException($"--device must be cpu or cuda, got '{name}'"),
    };

    public static void Validate(DgOptions options)
    {
        Positive(options.Steps, "--steps");
        Positive(options.Resolution, "--resolution");
        Positive(options.Batch, "--batch");
        Positive(options.EvalEvery, "--eval-every");
        Positive(options.SnapshotEvery, "--snapshot-every");
        Positive(options.BatchNormImages, "--bn-images");
        if (!(options.LearningRate > 0 && double.IsFinite(options.LearningRate)))
            throw new ArgumentOutOfRangeException("--lr", options.LearningRate, "--lr must be a positive number");
        if (options.BatchNorm is not ("frozen" or "train"))
            throw new ArgumentException($"--batch-norm must be frozen or train, got '{options.BatchNorm}'");
        if (options.RecomputeBatchNorm is not ("auto" or "always" or "never"))
            throw new ArgumentException(
                $"--recompute-bn must be auto, always or never, got '{options.RecomputeBatchNorm}'");
        RedundancyOption.Parse(options.Redundancy);
        if (options.Lambdas.Count == 0 || options.SumLambdas.Count == 0 || options.Densities.Count == 0)
            throw new ArgumentException("--lambdas, --sum-lambdas and --densities need at least one value each");
        if (options.Densities.Any(d => d is < 0 or > 1))
            throw new ArgumentOutOfRangeException("--densities", "--densities must lie in [0, 1]");
        if (options.Targets.Count == 0) throw new ArgumentException("--targets: no target domain given");
        var repeated = options.Targets.GroupBy(t => t, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ArgumentException($"--targets: '{repeated.Key}' is given twice");
        if (options.Seeds.Count == 0) throw new ArgumentException("--seeds: no seed given");
        if (options.Methods.Count == 0) throw new ArgumentException("--methods: no method given");
        foreach (var method in options.Methods) TrainingKind.For(method);
    }

    // A domain that is a source of some target trains on its train split and selects on its validation split.
    private static void RequireSourceSplits(DomainDataset data, DataSplits splits, IReadOnlyList<string> targets)
    {
        for (var d = 0; d < data.Domains.Count; d++)
        {
            var domain = data.Domains[d];
            if (targets.All(t => t == domain)) continue;
            var (train, validation) = (splits.Train(d).Count, splits.Validation(d).Count);
            if (train == 0 || validation == 0)
                throw new InvalidDataException(
                    $"{data.Root}: source domain '{domain}' has {train} training and {validation} validation " +
                    $"images ({splits.Source}); a source needs at least one of each");
        }
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be > 0, got {value}");
    }

    private static ImageStore Decode(DomainDataset data, DgOptions options, Device device, IRunProgress progress,
        CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        Tensor pixels;
        using (var task = progress.Start($"decoding {data.Items.Count} images at {options.Resolution} px",
                   data.Items.Count))
        {
            pixels = ImageCache.Load(data, Enumerable.Range(0, data.Items.Count).ToList(), options.Resolution,
                p => task.Report(p.Done, p.ImagesPerSecond, ""), cancellation: cancel);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        Log.Info($"decoded {data.Items.Count} images at {options.Resolution} px in {seconds:0.0} s " +
                 $"({data.Items.Count / clock.Elapsed.TotalSeconds:0} img/s), " +
                 $"{pixels.NumberOfElements / 1e6:0} MB in memory");
        return new ImageStore(data, pixels, device);
    }

    // θ0's features of every domain's training images, once per run (cached in the run directory).
    private static Dictionary<string, Tensor> TrainFeatures(IBackbone backbone, ImageStore store, DataSplits splits,
        Evaluator evaluator, RunFiles files, CancellationToken cancel)
    {
        var path = Path.Combine(files.Checkpoints, "theta0-train-features.safetensors");
        if (File.Exists(path)) return Safetensors.ReadAll(path);

        var clock = Stopwatch.StartNew();
        using var encoder = backbone.CreateEncoder();
        var features = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var count = 0;
        for (var d = 0; d < store.Data.Domains.Count; d++)
        {
            features[store.Data.Domains[d]] = evaluator.Features(encoder, splits.Train(d), cancel);
            count += splits.Train(d).Count;
        }
        Safetensors.Write(path, features);
        Log.Info($"θ0 features of {count} training images in {clock.Elapsed.TotalSeconds:0.0} s " +
                 $"({count / clock.Elapsed.TotalSeconds:0} img/s eval)");
        return features;
    }

    private static Tensor Head(IBackbone backbone, DomainDataset data, DataSplits splits, IReadOnlyList<int> sources,
        IReadOnlyDictionary<string, Tensor>? features)
    {
        using var scope = NewDisposeScope();
        if (features is null)
            return backbone.Head(data.Classes, null, null).to(backbone.Device).MoveToOuterDisposeScope();
        var sourceFeatures = cat(sources.Select(s => features[data.Domains[s]]).ToList(), 0);
        var labels = tensor(sources.SelectMany(s => splits.Train(s)).Select(i => (long)data.Items[i].Label).ToArray());
        return backbone.Head(data.Classes, sourceFeatures, labels).to(backbone.Device).MoveToOuterDisposeScope();
    }
}
