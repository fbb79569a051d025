using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

// Shapes: B batch, L tokens, D width, H heads, Dh = D / H.

/// <summary>
/// Multi-head self-attention with one fused in-projection, laid out as PyTorch's <c>nn.MultiheadAttention</c> so that
/// checkpoint keys (<c>in_proj_weight</c>, <c>in_proj_bias</c>, <c>out_proj</c>) load by name. Batch first.
/// The fields, the constructor (width, heads, causal: each position attends only to itself and earlier ones, as
/// in the text tower) and shape-checked loading are generated (Ham.Generators, Layouts/ClipLayers.cs).
/// </summary>
public sealed partial class ClipAttention
{
    partial void Initialize()
    {
        using (no_grad())
        {
            nn.init.xavier_uniform_(in_proj_weight);
            nn.init.zeros_(out_proj.bias!);
        }
    }

    public override Tensor forward(Tensor x)
    {
        var (batch, tokens, width) = (x.shape[0], x.shape[1], x.shape[2]);
        var headWidth = width / heads;

        using var qkv = nn.functional.linear(x, in_proj_weight, in_proj_bias);      // [B, L, D] -> [B, L, 3D]
        using var split = qkv.view(batch, tokens, 3, heads, headWidth);             // [B, L, 3, H, Dh]
        using var perHead = split.permute(2, 0, 3, 1, 4);                           // [3, B, H, L, Dh]
        using var q = perHead[0];
        using var k = perHead[1];
        using var v = perHead[2];

        using var attended = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: causal); // [B, H, L, Dh]
        using var merged = attended.transpose(1, 2).reshape(batch, tokens, width);  // [B, H, L, Dh] -> [B, L, D]
        return out_proj.forward(merged);
    }
}
