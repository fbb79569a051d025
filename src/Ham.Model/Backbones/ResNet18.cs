using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ham.Model.Backbones;

/// <summary>
/// ResNet-18 (He et al., 2016) as an image encoder: preprocessed images [B, 3, H, W] -> pooled features [B, 512].
/// Parameter and buffer names follow torchvision (conv1.weight, bn1.running_var, layer1.0.conv1.weight, ...,
/// layer4.1.bn2.running_var); there is no classifier. Batch norm is real BatchNorm2d with running statistics, so the
/// network can be fine-tuned and its statistics recomputed after a merge.
/// Shape letters: B batch, C channels, H/W height/width.
/// </summary>
public sealed class ResNet18 : Module<Tensor, Tensor>
{
    /// <summary>Width of the pooled features.</summary>
    public const int FeatureDim = 512;

    /// <summary>Per-channel means subtracted from 0..255 BGR input: B, G, R (the ONNX model's mean image).</summary>
    public static IReadOnlyList<float> MeanBgr { get; } = [103.06f, 115.90f, 123.15f];

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;

    /// <summary>A randomly initialised ResNet-18 (weights come from <see cref="ResNet18Onnx.Load"/>).</summary>
    public ResNet18() : base(nameof(ResNet18))
    {
        conv1 = Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        maxpool = MaxPool2d(3, stride: 2, padding: 1);
        layer1 = Stage(64, 64, 1);
        layer2 = Stage(64, 128, 2);
        layer3 = Stage(128, 256, 2);
        layer4 = Stage(256, 512, 2);
        RegisterComponents();
    }

    private static Sequential Stage(long inChannels, long outChannels, long stride) => Sequential(
        ("0", new BasicBlock("BasicBlock", inChannels, outChannels, stride)),
        ("1", new BasicBlock("BasicBlock", outChannels, outChannels, 1)));

    // [B, 3, H, W] preprocessed -> [B, 512]
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();

        var x = conv1.call(images);                 // [B, 3, H, W] -> [B, 64, H/2, W/2]
        x = bn1.call(x);
        x = functional.relu(x, inplace: true);
        x = maxpool.call(x);                        // -> [B, 64, H/4, W/4]

        x = layer1.call(x);                         // -> [B, 64, H/4, W/4]
        x = layer2.call(x);                         // -> [B, 128, H/8, W/8]
        x = layer3.call(x);                         // -> [B, 256, H/16, W/16]
        x = layer4.call(x);                         // -> [B, 512, H/32, W/32]

        x = x.mean([2, 3]);                         // -> [B, 512]

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// RGB images [B, 3, H, W] (uint8 0..255, or float 0..1) -> float32 BGR in 0..255 minus <see cref="MeanBgr"/>,
    /// on the input's device: the input the ONNX network was trained on.
    /// </summary>
    public static Tensor Preprocess(Tensor rgb) => throw new NotImplementedException();

    /// <summary>
    /// Recomputes every batch norm's running mean and variance on <paramref name="batches"/> (preprocessed images):
    /// the statistics are reset and replaced by the cumulative average over the batches (PyTorch's momentum=None),
    /// with only the batch-norm layers in training mode and no gradients. The module's own mode is restored.
    /// </summary>
    public void RecomputeBatchNormStatistics(IEnumerable<Tensor> batches) => throw new NotImplementedException();
}
