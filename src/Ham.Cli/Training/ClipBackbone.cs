using Ham.Algorithms;
using Ham.Model.Clip;
using Ham.Model.Imaging;
using Ham.Model.Specs;
using Ham.Model.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>
/// CLIP's image tower as the trained encoder, with CLIP's own zero-shot head: per class the normalized mean of the
/// normalized text embeddings of prompt templates ("a photo of a {class}." and others), frozen; logits =
/// exp(logit_scale) · cosine. No batch norm. Images are resized to the model's resolution and normalized with
/// CLIP's mean and standard deviation.
/// </summary>
public sealed class ClipBackbone : IBackbone
{
    private readonly ClipModel model;
    private readonly Dictionary<string, Tensor> pretrained;
    private readonly Tensor mean;
    private readonly Tensor std;

    private ClipBackbone(ClipModel model, Device device)
    {
        this.model = model;
        Device = device;
        pretrained = StateDicts.Copy(model.Visual, toCpu: true);
        TrainedKeys = model.Visual.named_parameters().Select(p => p.name).ToList();
        Groups = TowerGroups(model.Config.ShippedSpec(), TrainedKeys);
        LogitScale = Math.Exp(model.LogitScale.item<float>());
        mean = tensor(ClipPreprocess.Mean.ToArray()).reshape(1, 3, 1, 1).to(device);
        std = tensor(ClipPreprocess.Std.ToArray()).reshape(1, 3, 1, 1).to(device);
    }

    /// <summary>Loads a CLIP checkpoint (any layout <see cref="ClipCheckpoint.Load"/> reads).</summary>
    public static ClipBackbone Load(string checkpoint, Device device) =>
        new(ClipCheckpoint.Load(checkpoint, device), device);

    public string Name => $"clip (ViT, {model.Config.ImageResolution} px, width {model.Config.VisionWidth})";

    public Device Device { get; }

    public IReadOnlyDictionary<string, Tensor> Pretrained => pretrained;

    public IReadOnlyList<string> TrainedKeys { get; }

    public IReadOnlyList<ParameterGroup> Groups { get; }

    public bool HasBatchNorm => false;

    public bool HeadFromFeatures => false;

    public double LogitScale { get; }

    /// <summary>The model's input side in pixels.</summary>
    public int Resolution => model.Config.ImageResolution;

    public nn.Module<Tensor, Tensor> CreateEncoder()
    {
        var config = model.Config;
        var encoder = new ClipVisionTransformer(config.ImageResolution, config.VisionPatchSize, config.VisionWidth,
            config.VisionLayers, config.VisionHeads, config.EmbedDim);
        encoder.to(Device);
        StateDicts.Load(encoder, pretrained, requireAll: true);
        encoder.eval();
        return encoder;
    }

    // x = (resize_R(rgb / 255) − mean) / std; [B, 3, S, S] -> [B, 3, R, R]
    public Tensor Preprocess(Tensor rgb)
    {
        using var scope = NewDisposeScope();
        var x = rgb.to_type(ScalarType.Float32);
        if (rgb.dtype == ScalarType.Byte) x = x.div(255f);
        if (x.shape[2] != Resolution || x.shape[3] != Resolution)
            x = nn.functional.interpolate(x, [Resolution, Resolution], mode: InterpolationMode.Bicubic,
                align_corners: false);
        x = (x - mean) / std;
        return x.MoveToOuterDisposeScope();
    }

    public Tensor Head(IReadOnlyList<string> classNames, Tensor? sourceFeatures, Tensor? sourceLabels)
    {
        var names = classNames.Select(name => name.Replace('_', ' ')).ToList();
        return ZeroShotHead.Build(model, ClipTokenizer.Default, names, ZeroShotHead.DefaultTemplates, Device);
    }

    public void TrainMode(nn.Module<Tensor, Tensor> encoder, bool trainBatchNorm) => encoder.train();

    public void RecomputeBatchNorm(nn.Module<Tensor, Tensor> encoder, IEnumerable<Tensor> batches) { }

    /// <summary>
    /// From the spec of the model's architecture: one group per residual attention block (visual.layers.{i}), the
    /// embeddings (conv1, class and positional embedding), and the rest of the tower (ln_pre, ln_post, proj) as
    /// visual.rest; keys are the image tower's own (<see cref="ClipModel.VisualPrefix"/> cut off).
    /// InvalidOperationException naming the keys when the tower's parameters are not the spec's.
    /// </summary>
    private static IReadOnlyList<ParameterGroup> TowerGroups(ClipSpec spec, IReadOnlyList<string> towerKeys)
    {
        var groups = spec.Groups;
        var rest = groups.Visual.Except([groups.VisualEmbeddings, .. groups.VisualLayers]) with
        {
            Name = "visual.rest",
        };
        SpecGroup[] units = [groups.VisualEmbeddings, .. groups.VisualLayers, rest];
        var towerGroups = units.Select(g => g.WithoutPrefix(ClipModel.VisualPrefix)).ToList();

        var grouped = towerGroups.SelectMany(g => g.Keys).ToList();
        var missing = grouped.Except(towerKeys).ToList();
        var unexpected = towerKeys.Except(grouped).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidOperationException(
                $"the CLIP image tower's parameters differ from the {spec.Name} spec; missing: " +
                $"{(missing.Count == 0 ? "none" : string.Join(", ", missing))}; unexpected: " +
                $"{(unexpected.Count == 0 ? "none" : string.Join(", ", unexpected))}");
        return towerGroups.ToParameterGroups();
    }

    public void Dispose()
    {
        StateDicts.Dispose(pretrained.Values);
        mean.Dispose();
        std.Dispose();
        model.Dispose();
    }
}
