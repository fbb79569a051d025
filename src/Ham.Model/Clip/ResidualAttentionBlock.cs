using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

/// <summary>A pre-norm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
public sealed class ResidualAttentionBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // checkpoint key names
    private readonly ClipAttention attn;
    private readonly LayerNorm ln_1;
    private readonly ClipMlp mlp;
    private readonly LayerNorm ln_2;
#pragma warning restore IDE1006

    public ResidualAttentionBlock(int width, int heads, bool causal) : base(nameof(ResidualAttentionBlock))
    {
        attn = new ClipAttention(width, heads, causal);
        ln_1 = nn.LayerNorm(width, eps: 1e-5);
        mlp = new ClipMlp(width);
        ln_2 = nn.LayerNorm(width, eps: 1e-5);
        RegisterComponents();
    }

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
