using Ham.Algorithms;
using Ham.Model.Specs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ham.Model.Backbones;

/// <summary>
/// ResNet-18 (He et al., 2016) as an image encoder: preprocessed images [B, 3, H, W] -> pooled features [B, 512].
/// Parameter and buffer names follow torchvision (conv1.weight, bn1.running_var, layer1.0.conv1.weight, ...,
/// layer4.2.bn2.running_var); there is no classifier. The ONNX model that Ham ships has three blocks in its last stage
/// (see <see cref="OnnxBlocksPerStage"/>), so layer4.2 exists; the class keeps the name it is known by. Batch norm is
/// real BatchNorm2d with running statistics, so the network can be fine-tuned and its statistics recomputed after a
/// merge. Shape letters: B batch, C channels, H/W height/width.
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

    /// <summary>Basic blocks per stage of the ONNX model: torchvision's ResNet-18 has 2, 2, 2, 2.</summary>
    public static IReadOnlyList<int> OnnxBlocksPerStage { get; } = [2, 2, 2, 3];

    /// <summary>Basic blocks in each of the four stages.</summary>
    public IReadOnlyList<int> BlocksPerStage { get; }

    /// <summary>
    /// A randomly initialised network with <paramref name="blocksPerStage"/> basic blocks per stage (default
    /// <see cref="OnnxBlocksPerStage"/>); the pretrained weights come from <see cref="ResNet18Onnx.Load"/>.
    /// </summary>
    public ResNet18(IReadOnlyList<int>? blocksPerStage = null) : base(nameof(ResNet18))
    {
        BlocksPerStage = (blocksPerStage ?? OnnxBlocksPerStage).ToArray();
        if (BlocksPerStage.Count != 4 || BlocksPerStage.Any(b => b < 1))
            throw new ArgumentException(
                $"blocks per stage [{string.Join(", ", BlocksPerStage)}]: expected four counts >= 1",
                nameof(blocksPerStage));

        conv1 = Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        maxpool = MaxPool2d(3, stride: 2, padding: 1);
        layer1 = Stage(64, 64, 1, BlocksPerStage[0]);
        layer2 = Stage(64, 128, 2, BlocksPerStage[1]);
        layer3 = Stage(128, 256, 2, BlocksPerStage[2]);
        layer4 = Stage(256, 512, 2, BlocksPerStage[3]);
        RegisterComponents();
    }

    private static Sequential Stage(long inChannels, long outChannels, long stride, int blocks) => Sequential(
        Enumerable.Range(0, blocks).Select(i => (i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            (Module<Tensor, Tensor>)new BasicBlock("BasicBlock", i == 0 ? inChannels : outChannels, outChannels,
                i == 0 ? stride : 1))));

    // [B, 3, H, W] preprocessed -> [B, 512]
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();

        // Channels-last memory (NHWC strides, the same NCHW shape): every layer after it keeps that layout, and on
        // the CPU the network runs about 10-20 % faster, eval and training alike (benchmarks/README.md).
        var x = images.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        x = conv1.call(x);                          // [B, 3, H, W] -> [B, 64, H/2, W/2]
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
    /// on the input's device: the input the ONNX network was trained on (its ResNetPreprocess.onnx splits R, G, B,
    /// concatenates B, G, R and subtracts a mean image whose channel means these are).
    /// </summary>
    public static Tensor Preprocess(Tensor rgb)
    {
        if (rgb.dim() != 4 || rgb.shape[1] != 3)
            throw new ArgumentException($"expected RGB images [B, 3, H, W], found [{string.Join(", ", rgb.shape)}]",
                nameof(rgb));
        using var scope = NewDisposeScope();

        var scale = rgb.dtype == ScalarType.Byte ? 1.0 : 255.0;
        var x = rgb.to(ScalarType.Float32).mul(scale);          // [B, 3, H, W] RGB 0..255
        x = x.flip(1);                                          // RGB -> BGR
        using var mean = tensor(MeanBgr.ToArray(), device: rgb.device).view(1, 3, 1, 1);
        x = x.sub_(mean);

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The shipped architecture spec with these blocks per stage: resnet18-onnx for the ONNX network, resnet18 for
    /// torchvision's 2-2-2-2. InvalidOperationException naming the blocks when no spec in specs/ has them.
    /// </summary>
    public ResNetSpec Spec =>
        ResNetSpecs.All.FirstOrDefault(s => s.Width == 64 && s.Blocks.SequenceEqual(BlocksPerStage))
        ?? throw new InvalidOperationException(
            $"no shipped ResNet spec has blocks {string.Join("-", BlocksPerStage)} (shipped: " +
            string.Join(", ", ResNetSpecs.All.Select(s => $"{s.Name} {string.Join("-", s.Blocks)}")) +
            "); add a resnet_cfg JSON with these layers to specs/ and rebuild");

    /// <summary>
    /// One group per residual unit, from <see cref="Spec"/>: the stem (conv1, bn1), then each basic block (layer1.0
    /// ... layer4.2, with its shortcut), 10 groups of trainable parameters for the ONNX layout (conv weights,
    /// batch-norm weight and bias). Blocks rather than single conv layers: a block is the unit that adds into the
    /// residual stream, as a transformer's resblock is for CLIP, and a per-layer split would give the 1×1 shortcut
    /// convs groups too small to align or weigh on their own. Running statistics are buffers, not parameters: they
    /// are recomputed after a merge, not merged. InvalidOperationException naming the keys when the module's
    /// parameters are not the spec's.
    /// </summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups
    {
        get
        {
            var spec = Spec;
            var groups = spec.Groups;
            RequireParameters(spec.Name, groups.Parameters.Keys);
            SpecGroup[] units = [groups.Stem, .. groups.Blocks];
            return units.Select(unit => unit.Within(groups.Parameters)).ToParameterGroups();
        }
    }

    private void RequireParameters(string specName, IReadOnlyList<string> expected)
    {
        var found = named_parameters().Select(p => p.name).ToList();
        var missing = expected.Except(found).ToList();
        var unexpected = found.Except(expected).ToList();
        if (missing.Count == 0 && unexpected.Count == 0) return;

        static string List(List<string> keys) => keys.Count == 0 ? "none" : string.Join(", ", keys);
        throw new InvalidOperationException(
            $"ResNet18 [{string.Join(", ", BlocksPerStage)}]: parameters differ from the {specName} spec; " +
            $"missing: {List(missing)}; unexpected: {List(unexpected)}");
    }

    /// <summary>
    /// Recomputes every batch norm's running mean and variance on <paramref name="batches"/> (preprocessed images,
    /// on the module's device): the statistics are reset and replaced by the cumulative average of the per-batch
    /// statistics (PyTorch's momentum=None: momentum 1/k on the k-th batch), with only the batch-norm layers in
    /// training mode and no gradients. Momentum and the training modes are restored afterwards.
    /// </summary>
    public void RecomputeBatchNormStatistics(IEnumerable<Tensor> batches)
    {
        var norms = modules().OfType<BatchNorm2d>().ToList();
        var modes = modules().Prepend(this).Select(m => (Module: m, m.training)).ToList();
        var momenta = norms.Select(n => n.momentum).ToList();
        try
        {
            using var noGrad = no_grad();
            eval();
            foreach (var norm in norms)
            {
                norm.reset_running_stats();
                norm.train();
            }

            var seen = 0;
            foreach (var batch in batches)
            {
                seen++;
                foreach (var norm in norms) norm.momentum = 1.0 / seen;
                using var scope = NewDisposeScope();
                forward(batch);
            }
            if (seen == 0) throw new ArgumentException("no batches to recompute batch-norm statistics on",
                nameof(batches));
        }
        finally
        {
            for (var i = 0; i < norms.Count; i++) norms[i].momentum = momenta[i];
            foreach (var (module, training) in modes) module.train(training);
        }
    }
}
