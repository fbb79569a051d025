using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

// Shapes: B images, R resolution, G grid side (R / patch), N = G * G patches, W width, E embedding.

/// <summary>
/// CLIP's image tower: patches, class token, positions, ln_pre, transformer, ln_post on the class token, proj.
/// Usable alone as an image encoder: pixels [B, 3, R, R] -> features [B, E] (not normalized). Fields and
/// constructor (resolution, patchSize, width, layers, heads, embedDim) are generated (Ham.Generators).
/// </summary>
public sealed partial class ClipVisionTransformer
{
    // Embeddings and projection start as N(0, W^-1/2), as the reference initializes them.
    partial void Initialize()
    {
        var scale = Math.Pow(width, -0.5);
        using (no_grad())
        {
            nn.init.normal_(class_embedding, std: scale);
            nn.init.normal_(positional_embedding, std: scale);
            nn.init.normal_(proj, std: scale);
        }
    }

    /// <summary>The input side R in pixels.</summary>
    public int Resolution => resolution;

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
