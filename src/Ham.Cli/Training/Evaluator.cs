using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>Forward passes without gradients: features, logits against the frozen head, accuracy, and the
/// batch-norm refresh that merged weights need.</summary>
public sealed class Evaluator(IBackbone backbone, ImageStore store, int batchSize)
{
    /// <summary>logits = s · normalize(f) · headᵀ; [B, E], [C, E] -> [B, C]</summary>
    public static Tensor Logits(Tensor features, Tensor head, double scale)
    {
        using var normalized = nn.functional.normalize(features, p: 2, dim: 1);
        using var cosine = normalized.matmul(head.t());
        return cosine.mul(scale);
    }

    /// <summary>Features [N, E] (CPU) of the images, in eval mode, unaugmented.</summary>
    public Tensor Features(nn.Module<Tensor, Tensor> encoder, IReadOnlyList<int> indices, CancellationToken cancel)
    {
        encoder.eval();
        using var noGrad = no_grad();
        var parts = new List<Tensor>();
        try
        {
            for (var start = 0; start < indices.Count; start += batchSize)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = indices.Skip(start).Take(batchSize).ToList();
                var input = backbone.Preprocess(store.Pixels(batch));
                var features = encoder.call(input);
                parts.Add(features.cpu().MoveToOuterDisposeScope());
            }
            return parts.Count == 0 ? zeros(0, 1) : cat(parts, 0);
        }
        finally
        {
            StateDicts.Dispose(parts);
        }
    }

    /// <summary>Logits [N, C] (CPU) of the images against the head.</summary>
    public Tensor Logits(nn.Module<Tensor, Tensor> encoder, Tensor head, IReadOnlyList<int> indices,
        CancellationToken cancel)
    {
        using var features = Features(encoder, indices, cancel);
        using var headCpu = head.cpu();
        return Logits(features, headCpu, backbone.LogitScale);
    }

    /// <summary>Share of the images whose argmax logit is their label.</summary>
    public double Accuracy(Tensor logits, IReadOnlyList<int> indices)
    {
        if (indices.Count == 0) return 0;
        using var predicted = logits.argmax(1);
        var values = predicted.data<long>().ToArray();
        var correct = 0;
        for (var i = 0; i < values.Length; i++) if (values[i] == store.Label(indices[i])) correct++;
        return (double)correct / indices.Count;
    }

    public double Accuracy(nn.Module<Tensor, Tensor> encoder, Tensor head, IReadOnlyList<int> indices,
        CancellationToken cancel)
    {
        using var logits = Logits(encoder, head, indices, cancel);
        return Accuracy(logits, indices);
    }

    /// <summary>Recomputes batch-norm statistics on <paramref name="count"/> unaugmented source training images
    /// (a seeded choice), in batches of 64.</summary>
    public void RefreshBatchNorm(nn.Module<Tensor, Tensor> encoder, IReadOnlyList<int> sourceTrain, int count,
        long seed)
    {
        if (!backbone.HasBatchNorm) return;
        var order = sourceTrain.ToArray();
        Seeds.Random(seed, Seeds.Of("batch-norm")).Shuffle(order);
        var chosen = order.Take(Math.Min(count, order.Length)).ToList();
        backbone.RecomputeBatchNorm(encoder, Batches(chosen, 64));
        encoder.eval();
    }

    private IEnumerable<Tensor> Batches(IReadOnlyList<int> indices, int size)
    {
        for (var start = 0; start < indices.Count; start += size)
        {
            using var pixels = store.Pixels(indices.Skip(start).Take(size).ToList());
            using var input = backbone.Preprocess(pixels);
            yield return input;
        }
    }
}
