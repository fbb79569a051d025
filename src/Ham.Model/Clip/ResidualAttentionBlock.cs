using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

/// <summary>
/// A pre-norm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). Fields (attn, ln_1, mlp, ln_2) and
/// constructor (width, heads, causal) are generated (Ham.Generators).
/// </summary>
public sealed partial class ResidualAttentionBlock
{
    public override Tensor forward(Tensor x)
    {
        using var normed = ln_1.forward(x);
        using var attended = attn.forward(normed);
        using var afterAttention = x + attended;

        using var normed2 = ln_2.forward(afterAttention);
        using var fed = mlp.forward(normed2);
        return afterAttention + fed;
    }
}
