using TorchSharp;

namespace Ham.Algorithms;

/// <summary>
/// The steps of <see cref="GeneralizedTaskArithmetic"/> on one tensor, each a small function. Functions whose
/// name ends in an underscore work in place on task vectors that the caller owns (never on caller inputs).
/// </summary>
public static class MergeSteps
{
    // τ_k = θ_k − θ0, in the compute dtype (a new tensor)
    public static torch.Tensor TaskVector(torch.Tensor model, torch.Tensor pretrained, torch.ScalarType computeType)
    {
        using var theta = model.to(computeType);
        using var theta0 = pretrained.to(computeType);
        return theta - theta0;
    }

    // τ ← τ ⊙ m / (1 − p), m the DropMask of (p, tensorSeed) over τ's row-major entries; p = 1 gives τ = 0
    // (never 0/0). The mask is drawn on the CPU, by the same hash the fused kernel uses, so both paths drop the
    // same entries on any device.
    public static void DropAndRescale_(torch.Tensor taskVector, double dropRate, long tensorSeed)
    {
        if (dropRate <= 0) return;
        var mask = new DropMask(dropRate, tensorSeed);
        if (mask.DropsAll)
        {
            taskVector.zero_();
            return;
        }
        using var kept = torch.empty(taskVector.shape, torch.ScalarType.Bool);
        FillInChunks(mask, kept);
        using var dropped = kept.logical_not_().to(taskVector.device);
        // A double scalar: torch rounds it to float32 for float32 τ, which is DropMask.Scale, as the kernel uses.
        taskVector.masked_fill_(dropped, 0).mul_(1 / (1 - dropRate));
    }

    // The bool tensor's bytes are 0 or 1; spans of TorchSharp's accessor stay below 2 GB.
    private static void FillInChunks(DropMask mask, torch.Tensor kept)
    {
        using var flat = kept.view(-1);
        const long chunk = 1L << 30;
        for (long start = 0; start < flat.shape[0]; start += chunk)
        {
            using var part = flat.narrow(0, start, Math.Min(chunk, flat.shape[0] - start));
            mask.Fill(start, part.bytes);
        }
    }

    // number kept = round(d · n), half away from zero
    public static long KeptCount(long size, double density) =>
        (long)Math.Round(density * size, MidpointRounding.AwayFromZero);

    // τ ← τ ⊙ [|τ| ≥ t], t the (n − keep + 1)-th smallest |τ|; entries tied with t are all kept
    public static void TrimToDensity_(torch.Tensor taskVector, double density)
    {
        var size = taskVector.numel();
        var keep = KeptCount(size, density);
        if (keep >= size) return;
        if (keep <= 0)
        {
            taskVector.zero_();
            return;
        }
        using var magnitude = taskVector.abs();
        var (threshold, index) = magnitude.reshape(-1).kthvalue(size - keep + 1, 0, false);
        using (threshold)
        using (index)
        using (var below = magnitude.lt(threshold))
            taskVector.masked_fill_(below, 0);
    }

    // τ_merged = Σ_k w_k τ_k (consumes the task vectors: the first becomes the sum)
    public static torch.Tensor WeightedSum_(IReadOnlyList<torch.Tensor> taskVectors, IReadOnlyList<double> weights)
    {
        var sum = taskVectors[0].mul_(weights[0]);
        for (var k = 1; k < taskVectors.Count; k++) sum.add_(taskVectors[k], alpha: weights[k]);
        return sum;
    }

    // s = sign(Σ_k w_k τ_k); where that sum is exactly 0, s = sign of the tensor's total Σ_entries Σ_k w_k τ_k
    // (+1 when that is 0 too). The TIES reference uses the whole model's total; we use the tensor's, so that
    // each tensor merges on its own and the merge can stream.
    public static torch.Tensor ElectSign(IReadOnlyList<torch.Tensor> taskVectors, IReadOnlyList<double> weights)
    {
        using var mass = taskVectors[0].mul(weights[0]);
        for (var k = 1; k < taskVectors.Count; k++) mass.add_(taskVectors[k], alpha: weights[k]);
        using var total = mass.sum();
        using var totalIsNegative = total.lt(0);
        using var majority = torch.where(totalIsNegative, -1.0, 1.0).to(mass.dtype);
        using var sign = mass.sign();
        using var undecided = sign.eq(0);
        return torch.where(undecided, majority, sign);
    }

    // τ_merged = Σ_k w_k a_k τ_k / Σ_k w_k a_k, a_k = [sign(τ_k) = s and τ_k ≠ 0]; 0 where no τ_k agrees
    public static torch.Tensor DisjointMean(
        IReadOnlyList<torch.Tensor> taskVectors, IReadOnlyList<double> weights, torch.Tensor sign)
    {
        var numerator = torch.zeros_like(taskVectors[0]);
        using var denominator = torch.zeros_like(taskVectors[0]);
        for (var k = 0; k < taskVectors.Count; k++)
        {
            using var agrees = taskVectors[k].mul(sign).gt_(0);
            numerator.addcmul_(taskVectors[k], agrees, weights[k]);
            denominator.add_(agrees, alpha: weights[k]);
        }
        // The numerator is 0 wherever the denominator is, so clamping only avoids 0/0.
        return numerator.div_(denominator.clamp_min_(1e-30));
    }

    // θ = θ0 + λ τ_merged, in the output dtype
    public static torch.Tensor Apply(
        torch.Tensor pretrained, torch.Tensor mergedTaskVector, double lambda, torch.ScalarType outputType)
    {
        using var theta0 = pretrained.to(mergedTaskVector.dtype);
        using var merged = theta0.add(mergedTaskVector, alpha: lambda);
        return merged.to(outputType);
    }

    /// <summary>Seed of one model's drop mask on one tensor: the seed mixed with the model index and key.</summary>
    public static long TensorSeed(long seed, int modelIndex, string key)
    {
        // FNV-1a over the key's UTF-16 code units, then a splitmix64 finalizer over seed and index.
        var hash = 14695981039346656037UL;
        foreach (var c in key) hash = (hash ^ c) * 1099511628211UL;
        var mixed = hash ^ ((ulong)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)(modelIndex + 1) * 0xBF58476D1CE4E5B9UL);
        mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9UL;
        mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBUL;
        return (long)((mixed ^ (mixed >> 31)) & 0x7FFFFFFFFFFFFFFFUL);
    }
}
