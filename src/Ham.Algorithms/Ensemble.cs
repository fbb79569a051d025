using TorchSharp;

namespace Ham.Algorithms;

/// <summary>The output ensemble: the K models' class probabilities, averaged.</summary>
public static class Ensemble
{
    // p = (1/K) Σ_k softmax(z_k); K x [B, C] -> [B, C]
    public static torch.Tensor MeanProbabilities(IReadOnlyList<torch.Tensor> logits)
    {
        if (logits.Count == 0) throw new ArgumentException("the ensemble needs at least one model's logits");
        foreach (var z in logits.Skip(1))
            if (!z.shape.SequenceEqual(logits[0].shape))
                throw new ArgumentException(
                    $"logits of shape [{string.Join(", ", z.shape)}], " +
                    $"expected [{string.Join(", ", logits[0].shape)}] like the first model's");
        using var scope = torch.NewDisposeScope();
        var sum = torch.zeros(logits[0].shape, torch.ScalarType.Float32, logits[0].device);
        foreach (var z in logits) sum.add_(torch.softmax(z.to(torch.ScalarType.Float32), -1));
        return sum.div_(logits.Count).MoveToOuterDisposeScope();
    }
}
