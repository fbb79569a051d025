using TorchSharp;

namespace Ham.Algorithms;

/// <summary>
/// Merges θ0 and K fine-tuned models (for RHM: all K × N snapshots) with any <see cref="MergeMethod"/>,
/// tensor by tensor, so that temporaries stay of the size of one tensor times K.
/// </summary>
public static class Merge
{
    /// <summary>
    /// A new merged model with every key of θ0. Integer and boolean buffers are copied from θ0; a key that no
    /// model has is copied from θ0 (a frozen tensor); floating tensors come out in <paramref name="outputType"/>.
    /// Inputs are not modified. Keys in the models that θ0 lacks, keys only some models have, misshapen tensors and
    /// NaN or infinity are errors that name the key.
    /// </summary>
    public static Dictionary<string, torch.Tensor> Models(
        MergeMethod method,
        IReadOnlyDictionary<string, torch.Tensor> pretrained,
        IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> models,
        IReadOnlyList<ParameterGroup> groups,
        torch.ScalarType outputType = torch.ScalarType.Float32)
    {
        method.Validate();
        RequireFloatingOutput(outputType);
        if (models.Count == 0)
            throw new ArgumentException("merging needs at least one model, got none", nameof(models));
        var config = method.ToGeneralized(models.Count);
        config.Validate();
        RequireMatchingKeys(pretrained, models, groups);

        var weights = GroupWeightsFor(config, pretrained, models, groups);
        var merged = new Dictionary<string, torch.Tensor>();
        foreach (var (key, theta0) in pretrained)
        {
            var present = models.All(m => m.ContainsKey(key));
            merged[key] = !Tensors.IsMergeable(theta0.dtype) ? theta0.clone()
                : !present ? theta0.to(outputType, copy: true)
                : Tensor(config, key, theta0, models.Select(m => m[key]).ToArray(), weights(key), outputType);
        }
        return merged;
    }

    /// <summary>
    /// The kernel: merges one tensor of θ0 with the same tensor of each model (a new tensor in
    /// <paramref name="outputType"/>; an integer tensor is copied from θ0). <paramref name="weights"/> are w_k,
    /// one per model, used as <paramref name="config"/>'s weighting says (see <see cref="WeightsFor"/>).
    /// </summary>
    public static torch.Tensor Tensor(
        GeneralizedTaskArithmetic config, string key, torch.Tensor pretrained, IReadOnlyList<torch.Tensor> models,
        IReadOnlyList<double> weights, torch.ScalarType outputType = torch.ScalarType.Float32)
    {
        if (!Tensors.IsMergeable(pretrained.dtype)) return pretrained.clone();
        if (models.Count == 0 || weights.Count != models.Count)
            throw new ArgumentException($"tensor '{key}': {weights.Count} weights for {models.Count} models");
        for (var k = 0; k < models.Count; k++) Tensors.RequireShape(models[k], pretrained, key, $"model {k}");
        var merged = config.Lambda == 0 ? Unmerged(key, pretrained, models, outputType)
            : FusedMergeKernel.Applies(config, pretrained, models)
                ? FusedMergeKernel.Merge(config, key, pretrained, models, weights, outputType)
                : Stepwise(config, key, pretrained, models, weights, outputType);
        RequireFiniteResult(merged, key, config, outputType);
        return merged;
    }

    // Finite inputs can still merge to ±∞ or NaN: a λ beyond float32's range, or values beyond the output dtype's.
    private static void RequireFiniteResult(torch.Tensor merged, string key, GeneralizedTaskArithmetic config,
        torch.ScalarType outputType)
    {
        try
        {
            Tensors.RequireFinite(merged, key, "the merge");
        }
        catch (InvalidDataException)
        {
            merged.Dispose();
            throw new InvalidDataException(
                $"tensor '{key}': the merge overflows {outputType} (λ = {config.Lambda}) although every input is " +
                "finite; expected finite values (use a smaller λ or a wider output dtype)");
        }
    }

    // λ = 0: θ = θ0 exactly (θ0 + 0 would turn −0 into +0), after the same input checks
    private static torch.Tensor Unmerged(string key, torch.Tensor pretrained, IReadOnlyList<torch.Tensor> models,
        torch.ScalarType outputType)
    {
        Tensors.RequireFinite(pretrained, key, "the pretrained model");
        for (var k = 0; k < models.Count; k++) Tensors.RequireFinite(models[k], key, $"model {k}");
        return pretrained.to(outputType, copy: true);
    }

    /// <summary>
    /// The kernel step by step (<see cref="MergeSteps"/>): any device and dtype; the reference the fused kernel is
    /// tested against, with the same DARE mask.
    /// </summary>
    internal static torch.Tensor Stepwise(
        GeneralizedTaskArithmetic config, string key, torch.Tensor pretrained, IReadOnlyList<torch.Tensor> models,
        IReadOnlyList<double> weights, torch.ScalarType outputType)
    {
        Tensors.RequireFinite(pretrained, key, "the pretrained model");
        for (var k = 0; k < models.Count; k++) Tensors.RequireFinite(models[k], key, $"model {k}");

        using var scope = torch.NewDisposeScope();
        var computeType = Tensors.ComputeType(models.Select(m => m.dtype).Append(pretrained.dtype));
        var taskVectors = new torch.Tensor[models.Count];
        for (var k = 0; k < models.Count; k++)
            taskVectors[k] = DroppedAndTrimmed(config, key, k, models[k], pretrained, computeType);

        var mergedTaskVector = config.ElectSign
            ? MergeSteps.DisjointMean(taskVectors, weights, MergeSteps.ElectSign(taskVectors, weights))
            : MergeSteps.WeightedSum_(taskVectors, weights);

        return MergeSteps.Apply(pretrained, mergedTaskVector, config.Lambda, outputType).MoveToOuterDisposeScope();
    }

    /// <summary>τ'_k of the step-by-step path: θ_k − θ0 in <paramref name="computeType"/>, DARE's drop and rescale
    /// with model k's mask on <paramref name="key"/>, then the trim to the density.</summary>
    internal static torch.Tensor DroppedAndTrimmed(GeneralizedTaskArithmetic config, string key, int k,
        torch.Tensor model, torch.Tensor pretrained, torch.ScalarType computeType)
    {
        var taskVector = MergeSteps.TaskVector(model, pretrained, computeType);
        MergeSteps.DropAndRescale_(taskVector, config.DropRate, MergeSteps.TensorSeed(config.Seed, k, key));
        MergeSteps.TrimToDensity_(taskVector, config.Density);
        return taskVector;
    }

    /// <summary>w_k for the kernel: 1 (sum), 1/K (mean), or the group's redundancy weights.</summary>
    public static double[] WeightsFor(GeneralizedTaskArithmetic config, int modelCount, double[]? redundancyWeights) =>
        config.Weighting switch
        {
            ModelWeighting.Sum => Enumerable.Repeat(1.0, modelCount).ToArray(),
            ModelWeighting.Mean => Enumerable.Repeat(1.0 / modelCount, modelCount).ToArray(),
            ModelWeighting.Redundancy => redundancyWeights
                ?? throw new ArgumentException("redundancy weighting needs the group's redundancy weights"),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Weighting, "unknown weighting"),
        };

    private static Func<string, double[]> GroupWeightsFor(
        GeneralizedTaskArithmetic config,
        IReadOnlyDictionary<string, torch.Tensor> pretrained,
        IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> models,
        IReadOnlyList<ParameterGroup> groups)
    {
        if (config.Weighting != ModelWeighting.Redundancy)
        {
            var same = WeightsFor(config, models.Count, null);
            return _ => same;
        }
        var byGroup = Redundancy.GroupWeights(pretrained, models, groups, config.Rule);
        var groupOf = groups.SelectMany(g => g.Keys.Select(k => (k, g.Name))).ToDictionary(p => p.k, p => p.Name);
        return key => byGroup[groupOf.GetValueOrDefault(key, key)];
    }

    private static void RequireFloatingOutput(torch.ScalarType outputType)
    {
        if (!torch.is_floating_point(outputType))
            throw new ArgumentOutOfRangeException(nameof(outputType), outputType,
                $"output dtype must be floating point, got {outputType}");
    }

    private static void RequireMatchingKeys(
        IReadOnlyDictionary<string, torch.Tensor> pretrained,
        IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> models,
        IReadOnlyList<ParameterGroup> groups)
    {
        var problems = new List<string>();
        for (var k = 0; k < models.Count; k++)
        {
            problems.AddRange(models[k].Keys.Where(key => !pretrained.ContainsKey(key))
                .Select(key => $"model {k} has '{key}', which the pretrained model lacks"));
            foreach (var (key, tensor) in models[k])
                if (pretrained.TryGetValue(key, out var theta0) && !tensor.shape.SequenceEqual(theta0.shape))
                    problems.Add($"model {k} has '{key}' of shape [{string.Join(", ", tensor.shape)}], " +
                                 $"expected [{string.Join(", ", theta0.shape)}]");
        }
        foreach (var key in pretrained.Keys)
        {
            var missing = Enumerable.Range(0, models.Count).Where(k => !models[k].ContainsKey(key)).ToList();
            if (missing.Count > 0 && missing.Count < models.Count)
                problems.Add($"'{key}' is missing from model(s) {string.Join(", ", missing)} but present in others");
        }
        foreach (var group in groups)
            problems.AddRange(group.Keys.Where(key => !pretrained.ContainsKey(key))
                .Select(key => $"parameter group '{group.Name}' names '{key}', which the pretrained model lacks"));
        if (problems.Count > 0)
            throw new ArgumentException($"models do not match the pretrained model: {string.Join("; ", problems)}");
    }
}
