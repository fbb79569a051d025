using Ham.Model.Checkpoints;
using TorchSharp;

namespace Ham.Benchmarks.Synthetic;

/// <summary>
/// Random checkpoints with the parameter shapes of CLIP ViT-B/16's image tower, in OpenAI key names:
/// 86,192,640 float32 values (344.8 MB). Seed 0 is the pretrained model, N(0, 0.02²); seeds 1..K are fine-tuned
/// models, pretrained + N(0, 0.001²). Mirrors benchmarks/anchors/vit_shapes.py.
/// </summary>
public static class VitB16ImageTower
{
    private const int Width = 768;
    private const int Layers = 12;
    private const int Patch = 16;
    private const int Grid = 14;
    private const int Embed = 512;

    /// <summary>Key -> shape, in checkpoint order.</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> Shapes { get; } = BuildShapes();

    /// <summary>Values in one checkpoint, as a constant for attributes (checked against the shapes).</summary>
    public const long ParameterCountConstant = 86_192_640;

    /// <summary>Values in one checkpoint (86,192,640).</summary>
    public static long ParameterCount { get; } = Shapes.Sum(s => s.Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>Bytes of one float32 checkpoint.</summary>
    public static long Bytes => ParameterCount * sizeof(float);

    private static List<(string, long[])> BuildShapes()
    {
        var shapes = new List<(string, long[])>
        {
            ("visual.class_embedding", [Width]),
            ("visual.positional_embedding", [Grid * Grid + 1, Width]),
            ("visual.proj", [Width, Embed]),
            ("visual.conv1.weight", [Width, 3, Patch, Patch]),
            ("visual.ln_pre.weight", [Width]),
            ("visual.ln_pre.bias", [Width]),
        };
        for (var i = 0; i < Layers; i++)
        {
            var block = $"visual.transformer.resblocks.{i}.";
            shapes.Add((block + "attn.in_proj_weight", [3 * Width, Width]));
            shapes.Add((block + "attn.in_proj_bias", [3 * Width]));
            shapes.Add((block + "attn.out_proj.weight", [Width, Width]));
            shapes.Add((block + "attn.out_proj.bias", [Width]));
            shapes.Add((block + "ln_1.weight", [Width]));
            shapes.Add((block + "ln_1.bias", [Width]));
            shapes.Add((block + "mlp.c_fc.weight", [4 * Width, Width]));
            shapes.Add((block + "mlp.c_fc.bias", [4 * Width]));
            shapes.Add((block + "mlp.c_proj.weight", [Width, 4 * Width]));
            shapes.Add((block + "mlp.c_proj.bias", [Width]));
            shapes.Add((block + "ln_2.weight", [Width]));
            shapes.Add((block + "ln_2.bias", [Width]));
        }
        shapes.Add(("visual.ln_post.weight", [Width]));
        shapes.Add(("visual.ln_post.bias", [Width]));
        return shapes;
    }

    /// <summary>The pretrained checkpoint (seed 0); the caller owns the tensors.</summary>
    public static Dictionary<string, torch.Tensor> Pretrained() => Draw(0, null, 0.02);

    /// <summary>Fine-tuned checkpoint <paramref name="index"/> (1-based) around θ0.</summary>
    public static Dictionary<string, torch.Tensor> FineTuned(
        int index, IReadOnlyDictionary<string, torch.Tensor> pretrained) => Draw(index, pretrained, 0.001);

    private static Dictionary<string, torch.Tensor> Draw(
        int seed, IReadOnlyDictionary<string, torch.Tensor>? baseline, double scale)
    {
        using var generator = new torch.Generator((ulong)seed);
        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach (var (key, shape) in Shapes)
        {
            var noise = torch.randn(shape, generator: generator).mul_(scale);
            result[key] = baseline is null ? noise : noise.add_(baseline[key]);
        }
        return result;
    }

    /// <summary>
    /// Writes pretrained.safetensors and model1..K.safetensors into <paramref name="folder"/> once; a folder
    /// that already holds all of them with the expected sizes is reused. Returns the paths, pretrained first.
    /// </summary>
    public static IReadOnlyList<string> WriteFolder(string folder, int modelCount)
    {
        Directory.CreateDirectory(folder);
        var names = new[] { "pretrained" }.Concat(Enumerable.Range(1, modelCount).Select(k => $"model{k}"));
        var paths = names.Select(n => Path.Combine(folder, n + ".safetensors")).ToList();
        if (paths.All(p => File.Exists(p) && new FileInfo(p).Length > Bytes)) return paths;

        var pretrained = Pretrained();
        try
        {
            Safetensors.Write(paths[0], pretrained);
            for (var k = 1; k <= modelCount; k++)
            {
                var model = FineTuned(k, pretrained);
                Safetensors.Write(paths[k], model);
                foreach (var tensor in model.Values) tensor.Dispose();
            }
        }
        finally
        {
            foreach (var tensor in pretrained.Values) tensor.Dispose();
        }
        return paths;
    }
}
