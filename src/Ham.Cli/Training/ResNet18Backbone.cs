using Ham.Algorithms;
using Ham.Model.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>
/// The ImageNet ResNet-18 (converted from the ONNX model of Microsoft.ML.DnnImageFeaturizer.ResNet18) with the frozen
/// head of non-CLIP backbones: row c = normalize(mean over class c of normalize(θ0 feature)), logits = 20 · cosine.
/// </summary>
public sealed class ResNet18Backbone : IBackbone
{
    private readonly Dictionary<string, Tensor> pretrained;

    private ResNet18Backbone(Dictionary<string, Tensor> pretrained, IReadOnlyList<string> trainedKeys,
        IReadOnlyList<ParameterGroup> groups, Device device)
    {
        this.pretrained = pretrained;
        TrainedKeys = trainedKeys;
        Device = device;
        Groups = groups;
    }

    /// <summary>Loads the ONNX model (<see cref="ResNet18Onnx.DefaultPath"/> when <paramref name="onnxPath"/> is
    /// null) onto <paramref name="device"/>.</summary>
    public static ResNet18Backbone Load(string? onnxPath, Device device)
    {
        using var network = ResNet18Onnx.Load(onnxPath ?? ResNet18Onnx.DefaultPath, device);
        return FromNetwork(network, device);
    }

    /// <summary>θ0 taken from an existing network (copied; the network stays the caller's).</summary>
    public static ResNet18Backbone FromNetwork(ResNet18 network, Device device)
    {
        var keys = network.named_parameters().Select(p => p.name).ToList();
        return new ResNet18Backbone(StateDicts.Copy(network, toCpu: true), keys, network.ParameterGroups, device);
    }

    public string Name => "resnet18 (ImageNet, ONNX)";

    public Device Device { get; }

    public IReadOnlyDictionary<string, Tensor> Pretrained => pretrained;

    public IReadOnlyList<string> TrainedKeys { get; }

    public IReadOnlyList<ParameterGroup> Groups { get; }

    public bool HasBatchNorm => true;

    public bool HeadFromFeatures => true;

    public double LogitScale => 20.0;

    public nn.Module<Tensor, Tensor> CreateEncoder()
    {
        var encoder = new ResNet18();
        encoder.to(Device);
        StateDicts.Load(encoder, pretrained, requireAll: true);
        encoder.eval();
        return encoder;
    }

    public Tensor Preprocess(Tensor rgb) => ResNet18.Preprocess(rgb);

    // head_c = normalize(Σ_{i: y_i = c} normalize(f_i)); [N, E], [N] -> [C, E]
    public Tensor Head(IReadOnlyList<string> classNames, Tensor? sourceFeatures, Tensor? sourceLabels)
    {
        if (sourceFeatures is null || sourceLabels is null)
            throw new ArgumentException("the ResNet-18 head needs θ0 features and labels of the source images");
        using var scope = NewDisposeScope();
        var features = nn.functional.normalize(sourceFeatures.to(ScalarType.Float32), p: 2, dim: 1);
        var classCount = classNames.Count;
        var oneHot = nn.functional.one_hot(sourceLabels.to(ScalarType.Int64), classCount).to(ScalarType.Float32);
        var counts = oneHot.sum(dim: 0).cpu().data<float>().ToArray();
        for (var c = 0; c < classCount; c++)
            if (counts[c] == 0)
                throw new InvalidDataException($"class '{classNames[c]}' has no source training image for the head");
        var sums = oneHot.t().matmul(features);                     // [C, N] x [N, E] -> [C, E]
        var head = nn.functional.normalize(sums, p: 2, dim: 1);
        return head.MoveToOuterDisposeScope();
    }

    public void TrainMode(nn.Module<Tensor, Tensor> encoder, bool trainBatchNorm)
    {
        encoder.train();
        if (trainBatchNorm) return;
        foreach (var norm in encoder.modules().OfType<BatchNorm2d>()) norm.eval();
    }

    public void RecomputeBatchNorm(nn.Module<Tensor, Tensor> encoder, IEnumerable<Tensor> batches)
    {
        if (encoder is not ResNet18 network)
            throw new ArgumentException($"expected a ResNet18 encoder, got {encoder.GetType().Name}", nameof(encoder));
        network.RecomputeBatchNormStatistics(batches);
    }

    public void Dispose() => StateDicts.Dispose(pretrained.Values);
}
