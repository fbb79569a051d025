using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

// Shapes: B images, T texts, L context positions, D text width, E embedding.

/// <summary>
/// OpenAI's CLIP with a vision-transformer image tower. Field names are the checkpoint keys, so loading an
/// OpenAI-layout state dict is a name match. Fields, the constructor (from a validated <see cref="ClipConfig"/>),
/// <c>ExpectedShapes()</c> and the shape-checked <c>LoadStateDict</c> are generated (Ham.Generators).
/// </summary>
public sealed partial class ClipModel
{
    partial void Initialize()
    {
        using (no_grad())
        {
            nn.init.normal_(token_embedding.weight!, std: 0.02);
            nn.init.normal_(positional_embedding, std: 0.01);
            nn.init.normal_(text_projection, std: Math.Pow(config.TransformerWidth, -0.5));
            logit_scale.fill_(Math.Log(1 / 0.07));
        }
    }

    /// <summary>The architecture.</summary>
    public ClipConfig Config => config;

    /// <summary>
    /// What every checkpoint key of the image tower starts with (the field name of <see cref="Visual"/>): checkpoint
    /// key "visual.ln_post.weight" is "ln_post.weight" in the tower's own state dict; the keys differ in nothing
    /// else.
    /// </summary>
    public const string VisualPrefix = "visual.";

    /// <summary>The image tower, usable alone as an image encoder (pixels -> unnormalized features).</summary>
    public ClipVisionTransformer Visual => visual;

    /// <summary>The learned temperature, as a log; logits are exp(logit_scale) * cosine similarity.</summary>
    public Parameter LogitScale => logit_scale;

    /// <summary>Image features, not normalized: [B, 3, R, R] -> [B, E].</summary>
    public Tensor EncodeImage(Tensor pixels) => visual.forward(pixels);

    /// <summary>
    /// Text features, not normalized: ids [T, L] (int64, L at most the context length) -> [T, E], pooled at the
    /// first occurrence of each row's largest id (the end-of-text token), as the reference does.
    /// </summary>
    public Tensor EncodeText(Tensor ids)
    {
        if (ids.dim() != 2 || ids.shape[1] > Config.ContextLength)
            throw new ArgumentException($"input ids have shape [{string.Join(", ", ids.shape)}], expected " +
                                        $"[T, L] with L at most {Config.ContextLength}", nameof(ids));
        var (texts, length) = (ids.shape[0], ids.shape[1]);
        RequireTokenIds(ids);

        using var embedded = token_embedding.forward(ids);                  // [T, L] -> [T, L, D]
        using var positions = positional_embedding.narrow(0, 0, length);   // [L, D]
        using var positioned = embedded + positions;

        using var encoded = transformer.forward(positioned);               // [T, L, D], causal
        using var normed = ln_final.forward(encoded);

        using var endPositions = ids.argmax(-1);                           // [T]
        using var rows = arange(texts, device: ids.device);                 // [T]
        using var pooled = normed[rows, endPositions];                     // [T, L, D] -> [T, D]

        return pooled.matmul(text_projection);                             // [T, D] -> [T, E]
    }

    // Ids outside [0, V) would index past the token embedding (a native error); refuse them with their values.
    private void RequireTokenIds(Tensor ids)
    {
        if (ids.dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException($"input ids are {ids.dtype}, expected Int64", nameof(ids));
        if (ids.shape[1] == 0 && ids.shape[0] > 0)
            throw new ArgumentException("input ids have length 0; expected at least the end-of-text token",
                nameof(ids));
        if (ids.numel() == 0) return;
        var vocabulary = token_embedding.weight!.shape[0];
        using var low = ids.min();
        using var high = ids.max();
        var (min, max) = (low.item<long>(), high.item<long>());
        if (min < 0 || max >= vocabulary)
            throw new ArgumentException($"input ids range over [{min}, {max}], outside the vocabulary's [0, " +
                                        $"{vocabulary - 1}]", nameof(ids));
    }

    /// <summary>
    /// Both logit matrices: exp(logit_scale) * normalized images @ normalized texts^T ([B, T]) and its transpose.
    /// </summary>
    public (Tensor LogitsPerImage, Tensor LogitsPerText) Forward(Tensor pixels, Tensor ids)
    {
        using var imageFeatures = EncodeImage(pixels);
        using var textFeatures = EncodeText(ids);
        var logitsPerImage = Logits(imageFeatures, textFeatures);
        return (logitsPerImage, logitsPerImage.t().contiguous());
    }

    /// <summary>exp(logit_scale) * (a / |a|) @ (b / |b|)^T: [B, E] x [T, E] -> [B, T].</summary>
    public Tensor Logits(Tensor imageFeatures, Tensor textFeatures)
    {
        using var images = Normalize(imageFeatures);
        using var texts = Normalize(textFeatures);
        using var scale = logit_scale.exp();
        using var cosine = images.matmul(texts.t());
        return scale * cosine;
    }

    /// <summary>x / |x| along the last dimension.</summary>
    public static Tensor Normalize(Tensor features)
    {
        using var norm = features.norm(-1, keepdim: true);
        return features / norm;
    }
}
