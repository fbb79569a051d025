using Ham.Algorithms;
using Ham.Model.Clip;
using Ham.Model.Imaging;
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
        Groups = BlockGroups(TrainedKeys);
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

    /// <summary>One group per residual attention block; embeddings with ln_pre, and ln_post with proj.</summary>
    private static List<ParameterGroup> BlockGroups(IReadOnlyList<string> keys)
    {
        var groups = new List<(string Name, List<string> Keys)>();
        foreach (var key in keys)
        {
            var parts = key.Split('.');
            var name = parts.Length > 2 && parts[0] == "transformer" && parts[1] == "resblocks"
                ? $"transformer.resblocks.{parts[2]}"
                : key.StartsWith("ln_post", StringComparison.Ordinal) || key == "proj" ? "head" : "embeddings";
            var index = groups.FindIndex(g => g.Name == name);
            if (index < 0) groups.Add((name, [key]));
            else groups[index].Keys.Add(key);
        }
        return groups.Select(g => new ParameterGroup(g.Name, g.Keys)).ToList();
    }

    public void Dispose()
    {
        StateDicts.Dispose(pretrained.Values);
        mean.Dispose();
        std.Dispose();
        model.Dispose();
    }
}
