using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

/// <summary>
/// Brings CLIP state dicts of the known layouts to OpenAI's key names: OpenAI and open_clip (also under a
/// <c>module.</c> prefix) as they are, Hugging Face <c>CLIPModel</c> by renaming and fusing q/k/v.
/// </summary>
public static partial class ClipKeyLayouts
{
    // Bookkeeping entries that some layouts carry and the model does not: OpenAI's TorchScript attributes and
    // Hugging Face's position_ids buffers.
    private static readonly HashSet<string> IgnoredKeys = ["input_resolution", "context_length", "vocab_size"];

    /// <summary>True when the keys are Hugging Face CLIPModel's.</summary>
    public static bool IsHuggingFace(IEnumerable<string> keys) =>
        keys.Any(key => key.StartsWith("text_model.", StringComparison.Ordinal) ||
                        key.StartsWith("vision_model.", StringComparison.Ordinal));

    /// <summary>
    /// Returns the state dict in OpenAI's layout. Takes ownership of <paramref name="stateDict"/>: tensors that are
    /// renamed are moved, fused or dropped ones are disposed.
    /// </summary>
    public static Dictionary<string, Tensor> ToOpenAi(Dictionary<string, Tensor> stateDict, string source)
    {
        var stripped = StripPrefix(stateDict, "module.");
        foreach (var key in stripped.Keys.Where(IsIgnored).ToList())
        {
            stripped[key].Dispose();
            stripped.Remove(key);
        }
        return IsHuggingFace(stripped.Keys) ? FromHuggingFace(stripped, source) : stripped;
    }

    private static bool IsIgnored(string key) =>
        IgnoredKeys.Contains(key) || key.EndsWith("position_ids", StringComparison.Ordinal);

    private static Dictionary<string, Tensor> StripPrefix(Dictionary<string, Tensor> stateDict, string prefix)
    {
        if (stateDict.Count == 0 || !stateDict.Keys.All(key => key.StartsWith(prefix, StringComparison.Ordinal)))
            return stateDict;
        return StripPrefix(stateDict.ToDictionary(pair => pair.Key[prefix.Length..], pair => pair.Value), prefix);
    }

    [GeneratedRegex(@"^(text|vision)_model\.encoder\.layers\.(\d+)\.(.+)$")]
    private static partial Regex HuggingFaceLayer();

    private static readonly Dictionary<string, string> HuggingFaceNames = new()
    {
        ["text_model.embeddings.token_embedding.weight"] = "token_embedding.weight",
        ["text_model.embeddings.position_embedding.weight"] = "positional_embedding",
        ["text_model.final_layer_norm.weight"] = "ln_final.weight",
        ["text_model.final_layer_norm.bias"] = "ln_final.bias",
        ["vision_model.embeddings.class_embedding"] = "visual.class_embedding",
        ["vision_model.embeddings.patch_embedding.weight"] = "visual.conv1.weight",
        ["vision_model.embeddings.position_embedding.weight"] = "visual.positional_embedding",
        ["vision_model.pre_layrnorm.weight"] = "visual.ln_pre.weight",
        ["vision_model.pre_layrnorm.bias"] = "visual.ln_pre.bias",
        ["vision_model.post_layernorm.weight"] = "visual.ln_post.weight",
        ["vision_model.post_layernorm.bias"] = "visual.ln_post.bias",
        ["logit_scale"] = "logit_scale",
    };

    private static readonly Dictionary<string, string> HuggingFaceBlockNames = new()
    {
        ["self_attn.out_proj.weight"] = "attn.out_proj.weight",
        ["self_attn.out_proj.bias"] = "attn.out_proj.bias",
        ["layer_norm1.weight"] = "ln_1.weight",
        ["layer_norm1.bias"] = "ln_1.bias",
        ["layer_norm2.weight"] = "ln_2.weight",
        ["layer_norm2.bias"] = "ln_2.bias",
        ["mlp.fc1.weight"] = "mlp.c_fc.weight",
        ["mlp.fc1.bias"] = "mlp.c_fc.bias",
        ["mlp.fc2.weight"] = "mlp.c_proj.weight",
        ["mlp.fc2.bias"] = "mlp.c_proj.bias",
    };

    private static Dictionary<string, Tensor> FromHuggingFace(Dictionary<string, Tensor> hf, string source)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var qkv = new Dictionary<string, Tensor?[]>(StringComparer.Ordinal);
        foreach (var (key, value) in hf)
        {
            if (HuggingFaceNames.TryGetValue(key, out var name))
            {
                result[name] = value;
                continue;
            }
            // Hugging Face projections are Linear layers (weight [E, W]); OpenAI's are matrices applied as x @ P.
            if (key is "visual_projection.weight" or "text_projection.weight")
            {
                result[key == "visual_projection.weight" ? "visual.proj" : "text_projection"] =
                    value.t().contiguous();
                value.Dispose();
                continue;
            }
            var match = HuggingFaceLayer().Match(key);
            if (!match.Success)
                throw new InvalidDataException($"{source}: Hugging Face CLIP key '{key}' has no OpenAI equivalent");
            var tower = match.Groups[1].Value == "vision" ? "visual.transformer" : "transformer";
            var block = $"{tower}.resblocks.{match.Groups[2].Value}";
            var rest = match.Groups[3].Value;
            if (HuggingFaceBlockNames.TryGetValue(rest, out var blockName))
            {
                result[$"{block}.{blockName}"] = value;
                continue;
            }
            var qkvMatch = Regex.Match(rest, @"^self_attn\.([qkv])_proj\.(weight|bias)$");
            if (!qkvMatch.Success)
                throw new InvalidDataException($"{source}: Hugging Face CLIP key '{key}' has no OpenAI equivalent");
            var fused = $"{block}.attn.in_proj_{qkvMatch.Groups[2].Value}";
            var parts = qkv.TryGetValue(fused, out var existing) ? existing : qkv[fused] = new Tensor?[3];
            parts["qkv".IndexOf(qkvMatch.Groups[1].Value[0])] = value;
        }

        // in_proj = [q; k; v] stacked along the output dimension.
        foreach (var (fused, parts) in qkv)
        {
            if (parts.Any(part => part is null))
            {
                var absent = "qkv"[Array.FindIndex(parts, part => part is null)];
                throw new InvalidDataException(
                    $"{source}: '{fused}' needs q, k and v projections, but {absent}_proj is missing");
            }
            result[fused] = cat(parts!, dim: 0);
            foreach (var part in parts) part!.Dispose();
        }
        return result;
    }
}
