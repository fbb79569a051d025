using Ham.Algorithms;
using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>
/// An image encoder that trains (θ), its pretrained weights (θ0), its input preprocessing, the parameter groups that
/// OPA and RHM work on, and how its frozen classifier head is made. Shape letters: B batch, E feature width,
/// C classes, S image side.
/// </summary>
public interface IBackbone : IDisposable
{
    /// <summary>Short name for logs ("resnet18", "clip ViT ...").</summary>
    string Name { get; }

    /// <summary>Where the encoders live.</summary>
    Device Device { get; }

    /// <summary>θ0: every tensor of the pretrained encoder's state (parameters and buffers), on CPU, owned
    /// here.</summary>
    IReadOnlyDictionary<string, Tensor> Pretrained { get; }

    /// <summary>Names of the trained tensors (the parameters); snapshots and merges hold exactly these.</summary>
    IReadOnlyList<string> TrainedKeys { get; }

    /// <summary>Parameter groups over <see cref="TrainedKeys"/> for OPA and RHM.</summary>
    IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>Whether merged weights need their batch-norm statistics recomputed before evaluation.</summary>
    bool HasBatchNorm { get; }

    /// <summary>Whether <see cref="Head"/> needs the θ0 features of the source training images.</summary>
    bool HeadFromFeatures { get; }

    /// <summary>The logit scale s: logits = s · cos(feature, head row).</summary>
    double LogitScale { get; }

    /// <summary>A new encoder holding θ0, in eval mode: preprocessed [B, 3, S, S] -> features [B, E].</summary>
    nn.Module<Tensor, Tensor> CreateEncoder();

    /// <summary>RGB images [B, 3, S, S] (uint8 0..255 or float 0..1) -> the encoder's input, same device.</summary>
    Tensor Preprocess(Tensor rgb);

    /// <summary>
    /// The frozen head [C, E] with unit rows, from the class names or from θ0's features [N, E] of the source
    /// training images and their labels [N] (when <see cref="HeadFromFeatures"/>).
    /// </summary>
    Tensor Head(IReadOnlyList<string> classNames, Tensor? sourceFeatures, Tensor? sourceLabels);

    /// <summary>Puts an encoder in training mode; with <paramref name="trainBatchNorm"/> false its batch-norm
    /// layers stay in eval mode (statistics frozen, as DomainBed fine-tunes ResNets); their weights train.</summary>
    void TrainMode(nn.Module<Tensor, Tensor> encoder, bool trainBatchNorm);

    /// <summary>Replaces the batch-norm running statistics of <paramref name="encoder"/> by their averages over
    /// <paramref name="batches"/> (preprocessed images). Does nothing for a network without batch norm.</summary>
    void RecomputeBatchNorm(nn.Module<Tensor, Tensor> encoder, IEnumerable<Tensor> batches);
}
