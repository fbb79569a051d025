using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Ham.Algorithms;
using Ham.Model.Checkpoints;
using Ham.Model.IO;
using Spectre.Console.Cli;
using TorchSharp;

namespace Ham.Cli.Commands;

/// <summary>
/// <c>ham merge --method M --base B --models A1 A2 ... --out OUT</c>: merges checkpoints streamed tensor by tensor
/// from memory-mapped safetensors files, so that peak memory grows with the largest tensor times K, not with the
/// model size.
/// Every header is checked before anything is written; RHM makes a first pass for its per-group cosines; the output
/// is written atomically with the options and the inputs' SHA-256 in its metadata.
/// </summary>
[Description("Merge fine-tuned checkpoints with θ0: task arithmetic, soup, TIES, DARE, WiSE-FT or RHM")]
public sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--method <METHOD>")]
        [Description("task-arithmetic, soup, ties, dare, wise-ft or rhm")]
        public string Method { get; init; } = "";

        [CommandOption("--base <PATH>")] [Description("θ0, the pretrained checkpoint (.safetensors)")]
        public string Base { get; init; } = "";

        [CommandOption("--models <PATH>")]
        [Description("The fine-tuned checkpoints (for RHM: all snapshots), after --models or as arguments")]
        public string[] Models { get; init; } = [];

        [CommandArgument(0, "[MODELS]")] [Description("More fine-tuned checkpoints")]
        public string[] MoreModels { get; init; } = [];

        [CommandOption("--out <PATH>")] [Description("The merged checkpoint to write (.safetensors)")]
        public string Out { get; init; } = "";

        [CommandOption("--lambda <λ>")]
        [Description("Scale of the merged task vector (task arithmetic 0.3, TIES/RHM/DARE 1)")]
        public double? Lambda { get; init; }

        [CommandOption("--density <d>")] [Description("Fraction of each task vector kept (TIES, RHM; default 0.2)")]
        public double? Density { get; init; }

        [CommandOption("--drop-rate <p>")] [Description("DARE's drop probability (default 0.9)")]
        public double? DropRate { get; init; }

        [CommandOption("--seed <N>")] [Description("DARE's seed (default 0)")]
        public long Seed { get; init; }

        [CommandOption("--inner <METHOD>")] [Description("DARE's merge after dropping: task-arithmetic or ties")]
        public string Inner { get; init; } = "task-arithmetic";

        [CommandOption("--alpha <α>")] [Description("WiSE-FT's weight of the fine-tuned model (default 0.5)")]
        public double? Alpha { get; init; }

        [CommandOption("--uniform-weights")] [Description("RHM without redundancy weights (the ablation)")]
        public bool UniformWeights { get; init; }

        [CommandOption("--redundancy <RULE>")]
        [Description("RHM's weights from the similarities C: row-sum (default, w ∝ 1/Σ_j c_ij) or pseudo-inverse " +
                     "(w ∝ max(0, C⁺1), exactly invariant to a duplicated model)")]
        public string? Redundancy { get; init; }

        [CommandOption("--group-depth <N>")]
        [Description("RHM's parameter groups: keys sharing their first N dot-separated parts (default: per module, " +
                     "all parts but the last)")]
        public int? GroupDepth { get; init; }

        [CommandOption("--dtype <DTYPE>")]
        [Description("Output dtype of the merged tensors: F32 (default), F16, BF16, F64")]
        public string DType { get; init; } = "F32";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var modelPaths = settings.Models.Concat(settings.MoreModels).ToList();
        var method = MethodOf(settings);
        var outputType = OutputType(settings.DType);
        if (settings.Base.Length == 0) throw new ArgumentException("--base is required: the pretrained checkpoint");
        if (settings.Out.Length == 0) throw new ArgumentException("--out is required: the merged checkpoint to write");
        if (modelPaths.Count == 0) throw new ArgumentException("--models needs at least one checkpoint");
        OutputPath.RequireNotAnInput(settings.Out, "--out",
            modelPaths.Select(path => ("--models", path)).Prepend(("--base", settings.Base)));
        ValidateOptions(method);
        var config = method.ToGeneralized(modelPaths.Count);

        var clock = Stopwatch.StartNew();
        var hashing = TimeSpan.Zero;
        using var pretrained = SafetensorsFile.Open(settings.Base);
        var models = new List<SafetensorsFile>();
        try
        {
            foreach (var path in modelPaths) models.Add(SafetensorsFile.Open(path));
            RequireMatchingHeaders(pretrained, models);
            var groups = Groups(pretrained, settings.GroupDepth);
            var metadata = Metadata(settings, method, pretrained.Path, modelPaths);
            hashing = clock.Elapsed;
            var weightsOf = StreamedMerge.Weights(config, pretrained, models, groups);
            StreamedMerge.Write(config, pretrained, models, weightsOf, outputType, settings.Out, metadata,
                cancellationToken);
        }
        finally
        {
            foreach (var model in models) model.Dispose();
        }

        // RHM reads every input twice: once for the Gram matrices of its weights, once to merge.
        var values = pretrained.Entries.Sum(e => e.ElementCount);
        var seconds = (clock.Elapsed - hashing).TotalSeconds;
        var passes = config.Weighting == ModelWeighting.Redundancy ? 2 : 1;
        var readBytes = pretrained.Entries.Sum(e => e.ByteLength) * (modelPaths.Count + 1) * passes;
        var statistics = pretrained.Entries.Count(e => StreamedMerge.IsBatchNormStatistic(e.Name));
        var averaged = statistics > 0 ? $"; {statistics} batch-norm statistics averaged uniformly, not merged" : "";
        Log.Info(string.Create(CultureInfo.InvariantCulture,
            $"merged {modelPaths.Count} models with {method.Name} into {settings.Out}: {pretrained.Entries.Count} " +
            $"tensors, {values / 1e6:0.0}M values, {seconds:0.00} s ({readBytes / seconds / 1e9:0.00} GB/s read " +
            $"in {passes} pass{(passes > 1 ? "es" : "")}), and {hashing.TotalSeconds:0.00} s to hash the inputs " +
            $"for the output's metadata{averaged}"));
        return 0;
    }

    /// <summary>The merge method the options describe; unknown names and out-of-range values are refused.</summary>
    public static MergeMethod MethodOf(Settings settings) => settings.Method switch
    {
        "task-arithmetic" => new TaskArithmetic(settings.Lambda ?? 0.3),
        "soup" => new Soup(),
        "ties" => new Ties(settings.Density ?? 0.2, settings.Lambda ?? 1.0),
        "dare" => new Dare(settings.DropRate ?? 0.9, settings.Seed, settings.Inner switch
        {
            "task-arithmetic" => new TaskArithmetic(settings.Lambda ?? 1.0),
            "ties" => new Ties(settings.Density ?? 0.2, settings.Lambda ?? 1.0),
            _ => throw new ArgumentException(
                $"--inner must be task-arithmetic or ties, got '{settings.Inner}'", nameof(settings.Inner)),
        }),
        "wise-ft" => new WiseFt(settings.Alpha ?? 0.5),
        "rhm" => new Rhm(settings.Density ?? 0.2, settings.Lambda ?? 1.0, !settings.UniformWeights,
            RedundancyOption.Parse(settings.Redundancy)),
        _ => throw new ArgumentException(
            $"--method must be one of task-arithmetic, soup, ties, dare, wise-ft, rhm; got '{settings.Method}'",
            nameof(settings.Method)),
    };

    // The options records name their fields (Density); the error names the command-line option (--density).
    private static void ValidateOptions(MergeMethod method)
    {
        try
        {
            method.Validate();
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName is { } field && OptionNames.ContainsKey(field))
        {
            var option = OptionNames[field];
            var message = e.Message.Split('\n')[0].Replace($" (Parameter '{field}')", "", StringComparison.Ordinal);
            throw new ArgumentOutOfRangeException(option, e.ActualValue,
                message.StartsWith(field, StringComparison.Ordinal) ? option + message[field.Length..] : message);
        }
    }

    private static readonly Dictionary<string, string> OptionNames = new(StringComparer.Ordinal)
    {
        ["Density"] = "--density", ["DropRate"] = "--drop-rate", ["Lambda"] = "--lambda", ["Alpha"] = "--alpha",
    };

    private static torch.ScalarType OutputType(string name) =>
        SafetensorsDTypes.TryParse(name.ToUpperInvariant(), out var dtype) &&
        torch.is_floating_point(dtype.ToScalarType())
            ? dtype.ToScalarType()
            : throw new ArgumentException($"--dtype must be F32, F16, BF16 or F64, got '{name}'", nameof(name));

    /// <summary>Every model's header against θ0's: one error listing each missing, extra or misshapen tensor.
    /// </summary>
    public static void RequireMatchingHeaders(SafetensorsFile pretrained, IReadOnlyList<SafetensorsFile> models)
    {
        var problems = new List<string>();
        foreach (var model in models)
        {
            problems.AddRange(pretrained.Entries.Where(e => !model.Contains(e.Name))
                .Select(e => $"{model.Path}: tensor '{e.Name}' is missing (θ0 has it, {e.ShapeText})"));
            problems.AddRange(model.Entries.Where(e => !pretrained.Contains(e.Name))
                .Select(e => $"{model.Path}: tensor '{e.Name}' is extra (θ0 {pretrained.Path} lacks it)"));
            problems.AddRange(model.Entries.Where(e => pretrained.Contains(e.Name) &&
                                                       !e.Shape.SequenceEqual(pretrained[e.Name].Shape))
                .Select(e => $"{model.Path}: tensor '{e.Name}' has shape {e.ShapeText}, expected " +
                             $"{pretrained[e.Name].ShapeText} as in θ0"));
            // A float tensor is merged and an integer one copied from θ0, so the two kinds cannot be mixed.
            problems.AddRange(model.Entries.Where(e => pretrained.Contains(e.Name) &&
                                                       IsFloat(e) != IsFloat(pretrained[e.Name]))
                .Select(e => $"{model.Path}: tensor '{e.Name}' is {e.DType.Name()}, but θ0 has " +
                             $"{pretrained[e.Name].DType.Name()} (floating and integer tensors cannot be merged)"));
        }
        if (problems.Count > 0)
            throw new InvalidDataException(
                $"the models do not match θ0 {pretrained.Path} ({problems.Count} problems): " +
                string.Join("; ", problems));
    }

    private static bool IsFloat(SafetensorsEntry entry) => torch.is_floating_point(entry.DType.ToScalarType());

    /// <summary>Parameter groups by key prefix: the first <paramref name="depth"/> parts, else all but the last.
    /// </summary>
    public static List<ParameterGroup> Groups(SafetensorsFile pretrained, int? depth)
    {
        if (depth is <= 0) throw new ArgumentOutOfRangeException(nameof(depth), depth, "--group-depth must be >= 1");
        return pretrained.Names
            .GroupBy(name =>
            {
                var parts = name.Split('.');
                var take = depth ?? Math.Max(1, parts.Length - 1);
                return string.Join('.', parts.Take(take));
            }, StringComparer.Ordinal)
            .Select(group => new ParameterGroup(group.Key, group.ToList()))
            .ToList();
    }

    private static Dictionary<string, string> Metadata(Settings settings, MergeMethod method, string basePath,
        IReadOnlyList<string> modelPaths)
    {
        var options = new Dictionary<string, object?>
        {
            ["method"] = method.Name, ["config"] = method.ToString(), ["lambda"] = settings.Lambda,
            ["density"] = settings.Density, ["drop_rate"] = settings.DropRate, ["seed"] = settings.Seed,
            ["inner"] = method is Dare ? settings.Inner : null, ["alpha"] = settings.Alpha,
            ["uniform_weights"] = settings.UniformWeights, ["group_depth"] = settings.GroupDepth,
            ["redundancy"] = method is Rhm ? settings.Redundancy ?? "row-sum" : null,
            ["dtype"] = settings.DType.ToUpperInvariant(),
        };
        var inputs = new[] { basePath }.Concat(modelPaths)
            .Select((path, i) => new Dictionary<string, string>
            {
                ["role"] = i == 0 ? "base" : "model", ["file"] = Path.GetFileName(path), ["sha256"] = Sha256(path),
            }).ToList();
        return new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["ham.merge.options"] = JsonSerializer.Serialize(options),
            ["ham.merge.inputs"] = JsonSerializer.Serialize(inputs),
        };
    }

    private static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>The streaming merge over memory-mapped files that <c>ham merge</c> runs.</summary>
public static class StreamedMerge
{
    /// <summary>
    /// Batch-norm running statistics (PyTorch's <c>running_mean</c> and <c>running_var</c> buffers) are not task
    /// vectors: they are averaged uniformly over the models, a convex combination, so that no variance is pushed
    /// below zero by λ > 1, a trim or DARE's rescaling, and they stay out of RHM's similarities. Where the merged
    /// weights differ much from every model's, recompute the statistics on data.
    /// </summary>
    public static bool IsBatchNormStatistic(string key) =>
        key.EndsWith(".running_mean", StringComparison.Ordinal) ||
        key.EndsWith(".running_var", StringComparison.Ordinal);

    private static readonly GeneralizedTaskArithmetic Statistics = new Soup().ToGeneralized(1);

    /// <summary>
    /// w_k per tensor key: 1 or 1/K, or for RHM the group's redundancy weights from a first streaming pass that sums
    /// each group's Gram matrix tensor by tensor.
    /// </summary>
    public static Func<string, double[]> Weights(GeneralizedTaskArithmetic config, SafetensorsFile pretrained,
        IReadOnlyList<SafetensorsFile> models, IReadOnlyList<ParameterGroup> groups)
    {
        if (config.Weighting != ModelWeighting.Redundancy)
        {
            var same = Merge.WeightsFor(config, models.Count, null);
            return _ => same;
        }
        var mergeable = pretrained.Entries.Where(e => torch.is_floating_point(e.DType.ToScalarType()) &&
                                                      !IsBatchNormStatistic(e.Name))
            .Select(e => e.Name);
        var byKey = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var group in Grouping.Complete(groups, mergeable))
        {
            var gram = new double[models.Count, models.Count];
            foreach (var key in group.Keys)
            {
                using var scope = torch.NewDisposeScope();
                var candidates = models.Select(m => m.Read(key)).ToArray();
                var theta0 = pretrained.Read(key);
                ReleasePages(key, pretrained, models);
                gram = Redundancy.Add(gram, Redundancy.Gram(theta0, candidates, key));
            }
            var weights = Redundancy.Weights(gram, config.Rule);
            foreach (var key in group.Keys) byKey[key] = weights;
        }
        // Integer buffers have no group and batch-norm statistics are averaged; neither uses these weights.
        var unused = Enumerable.Repeat(1.0, models.Count).ToArray();
        return key => byKey.TryGetValue(key, out var weights) ? weights : unused;
    }

    /// <summary>Writes the merge atomically, one tensor in flight: θ0's layout, merged tensors in the output dtype.
    /// </summary>
    public static void Write(GeneralizedTaskArithmetic config, SafetensorsFile pretrained,
        IReadOnlyList<SafetensorsFile> models, Func<string, double[]> weightsOf, torch.ScalarType outputType,
        string outputPath, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellation)
    {
        var outputDType = SafetensorsDTypes.FromScalarType(outputType);
        var layout = pretrained.Entries.Select(e => new SafetensorsLayout(e.Name,
            torch.is_floating_point(e.DType.ToScalarType()) ? outputDType : e.DType, e.Shape)).ToList();
        SafetensorsWriter.WriteFile(outputPath, layout, entry =>
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var theta0 = pretrained.Read(entry.Name);
            var thetas = models.Select(m => m.Read(entry.Name)).ToArray();
            ReleasePages(entry.Name, pretrained, models);
            try
            {
                var merged = IsBatchNormStatistic(entry.Name)
                    ? Merge.Tensor(Statistics, entry.Name, theta0, thetas,
                        Merge.WeightsFor(Statistics, thetas.Length, null), outputType)
                    : Merge.Tensor(config, entry.Name, theta0, thetas, weightsOf(entry.Name), outputType);
                return merged.MoveToOuterDisposeScope();
            }
            catch (InvalidDataException)
            {
                RequireFiniteInputs(entry.Name, pretrained, theta0, models, thetas);
                throw;
            }
        }, metadata);
    }

    // Read copies a tensor out of each map; its mapped pages would otherwise stay resident to the end, and the
    // inputs' pages would add up to the size of all inputs (the written output goes through a FileStream, whose
    // pages are the page cache's, never the process's).
    private static void ReleasePages(string key, SafetensorsFile pretrained, IReadOnlyList<SafetensorsFile> models)
    {
        pretrained.ReleasePages(key);
        foreach (var model in models) model.ReleasePages(key);
    }

    // The merge names a non-finite input by its index; on that error path, name its file instead.
    private static void RequireFiniteInputs(string key, SafetensorsFile pretrained, torch.Tensor theta0,
        IReadOnlyList<SafetensorsFile> models, IReadOnlyList<torch.Tensor> thetas)
    {
        Tensors.RequireFinite(theta0, key, pretrained.Path);
        for (var k = 0; k < models.Count; k++) Tensors.RequireFinite(thetas[k], key, models[k].Path);
    }
}
