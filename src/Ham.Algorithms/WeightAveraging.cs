using TorchSharp;

namespace Ham.Algorithms;

/// <summary>A running mean of one model's weights.</summary>
/// <param name="Mean">θ̄ by key (float tensors in float32 or float64; integer buffers: the latest θ's).</param>
/// <param name="Count">n, how many weight sets the mean is over.</param>
public sealed record WeightAverage(IReadOnlyDictionary<string, torch.Tensor> Mean, long Count);

/// <summary>
/// SWAD-style dense weight averaging: the mean of one model's weights at every step of a window of its training
/// (Cha et al. 2021, "SWAD: Domain Generalization by Seeking Flat Minima"). Functional: each update returns a new
/// average; the caller decides the window (which steps to add) and disposes the old one.
/// </summary>
public static class WeightAveraging
{
    /// <summary>The average after adding θ to <paramref name="average"/> (null: θ starts the window).</summary>
    public static WeightAverage Add(WeightAverage? average, IReadOnlyDictionary<string, torch.Tensor> weights)
    {
        if (average is null)
            return new WeightAverage(weights.ToDictionary(p => p.Key, p => First(p.Value, p.Key)), 1);
        var missing = average.Mean.Keys.Except(weights.Keys).Concat(weights.Keys.Except(average.Mean.Keys)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"weights and average differ in keys: {string.Join(", ", missing)}");
        var mean = new Dictionary<string, torch.Tensor>();
        foreach (var (key, weight) in weights)
        {
            Tensors.RequireShape(weight, average.Mean[key], key, "the added weights");
            mean[key] = Tensors.IsMergeable(weight.dtype)
                ? Update(average.Mean[key], average.Count, weight, key)
                : weight.clone();
        }
        return new WeightAverage(mean, average.Count + 1);
    }

    // θ̄_{n+1} = θ̄_n + (θ − θ̄_n) / (n + 1)
    public static torch.Tensor Update(torch.Tensor mean, long count, torch.Tensor weight, string key = "tensor")
    {
        Tensors.RequireFinite(weight, key, "the added weights");
        using var theta = weight.to(mean.dtype);
        using var step = theta - mean;
        return mean.add(step, alpha: 1.0 / (count + 1));
    }

    // θ̄_1 = θ (a float copy; integer buffers copied as they are)
    private static torch.Tensor First(torch.Tensor weight, string key)
    {
        if (!Tensors.IsMergeable(weight.dtype)) return weight.clone();
        Tensors.RequireFinite(weight, key, "the added weights");
        return weight.to(Tensors.ComputeType([weight.dtype]), copy: true);
    }
}
