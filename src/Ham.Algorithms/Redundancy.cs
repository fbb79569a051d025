using TorchSharp;

namespace Ham.Algorithms;

/// <summary>
/// RHM's redundancy weights. Per parameter group, c_ij = max(0, cos(τ_i, τ_j)) over the group's tensors and
/// w_i = 1/Σ_j c_ij (the paper's row-sum rule; or w ∝ max(0, C⁺1), the pseudo-inverse rule), normalized to sum
/// to 1, so that a cluster of near-identical candidates weighs about as much as one. The cosines come from the Gram
/// matrix G_ij = ⟨τ_i, τ_j⟩, summed tensor by tensor so that a streaming merge can accumulate it in a first pass.
/// </summary>
public static class Redundancy
{
    // G_ij = ⟨τ_i, τ_j⟩ over one tensor, τ_i = θ_i − θ0, accumulated in float64
    public static double[,] Gram(torch.Tensor pretrained, IReadOnlyList<torch.Tensor> models, string key = "tensor")
    {
        for (var k = 0; k < models.Count; k++) Tensors.RequireShape(models[k], pretrained, key, $"candidate {k}");
        return FusedMergeKernel.GramApplies(pretrained, models)
            ? FusedMergeKernel.Gram(pretrained, models)
            : StackedGram(pretrained, models);
    }

    // G = T Tᵀ with T the [M, n] stack of task vectors, on any device
    internal static double[,] StackedGram(torch.Tensor pretrained, IReadOnlyList<torch.Tensor> models)
    {
        using var scope = torch.NewDisposeScope();
        var computeType = Tensors.ComputeType(models.Select(m => m.dtype).Append(pretrained.dtype));
        // M x [n] -> [M, n], then τ_i = θ_i − θ0 in place (one temporary of M × n)
        var stacked = torch.stack(models.Select(m => m.to(computeType).reshape(-1)).ToArray());
        stacked.sub_(pretrained.to(computeType).reshape(1, -1));
        // [M, n] x [n, M] -> [M, M]
        var gram = stacked.mm(stacked.t()).to(torch.ScalarType.Float64).cpu();
        var result = new double[models.Count, models.Count];
        var values = gram.data<double>().ToArray();
        for (var i = 0; i < models.Count; i++)
        for (var j = 0; j < models.Count; j++)
            result[i, j] = values[i * models.Count + j];
        return result;
    }

    // G ← G + G_tensor
    public static double[,] Add(double[,] gram, double[,] tensorGram)
    {
        var count = gram.GetLength(0);
        if (tensorGram.GetLength(0) != count || tensorGram.GetLength(1) != count)
            throw new ArgumentException($"Gram matrices of {count} and {tensorGram.GetLength(0)} candidates");
        var sum = new double[count, count];
        for (var i = 0; i < count; i++)
        for (var j = 0; j < count; j++)
            sum[i, j] = gram[i, j] + tensorGram[i, j];
        return sum;
    }

    // c_ij = max(0, G_ij / sqrt(G_ii G_jj)), c_ii = 1; a zero task vector is similar to nothing but itself
    public static double[,] Similarities(double[,] gram)
    {
        var count = gram.GetLength(0);
        var similarity = new double[count, count];
        for (var i = 0; i < count; i++)
        for (var j = 0; j < count; j++)
        {
            var norms = Math.Sqrt(gram[i, i] * gram[j, j]);
            similarity[i, j] = i == j ? 1 : norms > 0 ? Math.Clamp(gram[i, j] / norms, 0, 1) : 0;
        }
        return similarity;
    }

    // w_i = (1/Σ_j c_ij) / Σ_l (1/Σ_j c_lj)
    public static double[] Weights(double[,] gram) => Weights(gram, RedundancyRule.RowSum);

    public static double[] Weights(double[,] gram, RedundancyRule rule) => rule switch
    {
        RedundancyRule.RowSum => RowSumWeights(Similarities(gram)),
        RedundancyRule.PseudoInverse => PseudoInverseWeights(Similarities(gram)),
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "unknown redundancy rule"),
    };

    private static double[] RowSumWeights(double[,] similarity)
    {
        var count = similarity.GetLength(0);
        var inverse = new double[count];
        for (var i = 0; i < count; i++)
        {
            var row = 0.0;
            for (var j = 0; j < count; j++) row += similarity[i, j];
            inverse[i] = 1 / row;
        }
        var total = inverse.Sum();
        return inverse.Select(w => w / total).ToArray();
    }

    // w = max(0, C⁺ 1) / Σ max(0, C⁺ 1); singular values below 1e-9 of the largest count as zero, so that exact
    // duplicates (equal rows and columns of C) share one weight. C ⪰ 0 with 1 in its range gives 1ᵀC⁺1 > 0, so
    // some weight is positive; uniform weights only if rounding left none.
    private static double[] PseudoInverseWeights(double[,] similarity)
    {
        var count = similarity.GetLength(0);
        using var scope = torch.NewDisposeScope();
        var matrix = torch.tensor(similarity, torch.ScalarType.Float64);
        var solution = torch.linalg.pinv(matrix, rtol: 1e-9, hermitian: true)
            .mm(torch.ones(count, 1, torch.ScalarType.Float64)).reshape(-1);
        var weights = solution.data<double>().Select(w => Math.Max(0, w)).ToArray();
        var total = weights.Sum();
        return total > 0 ? weights.Select(w => w / total).ToArray() : Enumerable.Repeat(1.0 / count, count).ToArray();
    }

    /// <summary>
    /// The weights of every group (keys absent from all groups form a group of their own, named by the key),
    /// from whole models in memory: group name -> w, one per candidate.
    /// </summary>
    public static Dictionary<string, double[]> GroupWeights(
        IReadOnlyDictionary<string, torch.Tensor> pretrained,
        IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> models,
        IReadOnlyList<ParameterGroup> groups,
        RedundancyRule rule = RedundancyRule.RowSum)
    {
        var weights = new Dictionary<string, double[]>();
        foreach (var group in Grouping.Complete(groups, MergedKeys(pretrained, models)))
        {
            var gram = new double[models.Count, models.Count];
            foreach (var key in group.Keys)
                gram = Add(gram, Gram(pretrained[key], models.Select(m => m[key]).ToArray(), key));
            weights[group.Name] = Weights(gram, rule);
        }
        return weights;
    }

    private static IEnumerable<string> MergedKeys(
        IReadOnlyDictionary<string, torch.Tensor> pretrained,
        IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> models) =>
        pretrained.Where(p => Tensors.IsMergeable(p.Value.dtype) && models.All(m => m.ContainsKey(p.Key)))
            .Select(p => p.Key);
}
