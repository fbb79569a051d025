using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

// Shapes: B images, R resolution, G grid side (R / patch), N = G * G patches, W width, E embedding.

/// <summary>
/// CLIP's image tower: patches, class token, positions, ln_pre, transformer, ln_post on the class token, proj.
/// Usable alone as an image encoder: pixels [B, 3, R, R] -> features [B, E] (not normalized).
/// </summary>
public sealed class ClipVisionTransformer : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // checkpoint key names
    private readonly Conv2d conv1;
    private readonly Parameter class_embedding;
    private readonly Parameter positional_embedding;
    private readonly LayerNorm ln_pre;
    private readonly ClipTransformer transformer;
    private readonly LayerNorm ln_post;
    private readonly Parameter proj;
#pragma warning restore IDE1006

    public ClipVisionTransformer(int resolution, int patchSize, int width, int layers, int heads, int embedDim)
        : base(nameof(ClipVisionTransformer))
    {
        Resolution = resolution;
        var grid = resolution / patchSize;
        var scale = Math.Pow(width, -0.5);
        conv1 = nn.Conv2d(3, width, kernel_size: patchSize, stride: patchSize, bias: false);
        class_embedding = nn.Parameter(randn(width) * scale);
        positional_embedding = nn.Parameter(randn(grid * grid + 1, width) * scale);
        ln_pre = nn.LayerNorm(width, eps: 1e-5);
        transformer = new ClipTransformer(width, layers, heads, causal: false);
        ln_post = nn.LayerNorm(width, eps: 1e-5);
        proj = nn.Parameter(randn(width, embedDim) * scale);
        RegisterComponents();
    }

    /// <summary>The input side R in pixels.</summary>
    public int Resolution { get; }

    public override Tensor forward(Tensor pixels)
    {
        var batch = pixels.shape[0];
        if (pixels.dim() != 4 || pixels.shape[1] != 3 || pixels.shape[2] != Resolution || pixels.shape[3] != Resolution)
            throw new ArgumentException($"pixels have shape [{string.Join(", ", pixels.shape)}], expected " +
                                        $"[B, 3, {Resolution}, {Resolution}]", nameof(pixels));

        using var patches = conv1.forward(pixels);                               // [B, 3, R, R] -> [B, W, G, G]
        using var flat = patches.flatten(2).transpose(1, 2);                     // [B, W, G, G] -> [B, N, W]
        using var classToken = class_embedding.expand(batch, 1, -1);             // [W] -> [B, 1, W]
        using var tokens = cat([classToken.to_type(flat.dtype), flat], dim: 1);  // [B, N + 1, W]
        using var positioned = tokens + positional_embedding;
        using var normed = ln_pre.forward(positioned);

        using var encoded = transformer.forward(normed);                         // [B, N + 1, W]

        using var classOut = encoded.select(1, 0);                               // [B, N + 1, W] -> [B, W]
        using var pooled = ln_post.forward(classOut);

        return pooled.matmul(proj);                                              // [B, W] -> [B, E]
    }
}
