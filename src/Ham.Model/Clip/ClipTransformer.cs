using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

/// <summary>A stack of <see cref="ResidualAttentionBlock"/>s under the checkpoint name <c>resblocks</c>.</summary>
public sealed class ClipTransformer : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ResidualAttentionBlock> resblocks;

    public ClipTransformer(int width, int layers, int heads, bool causal) : base(nameof(ClipTransformer))
    {
        resblocks = new ModuleList<ResidualAttentionBlock>(
            Enumerable.Range(0, layers).Select(_ => new ResidualAttentionBlock(width, heads, causal)).ToArray());
        RegisterComponents();
    }

    /// <summary>Number of blocks.</summary>
    public int Layers => resblocks.Count;

    public override Tensor forward(Tensor x)
    {
        var current = x;
        foreach (var block in resblocks)
        {
            var next = block.forward(current);                  // [B, L, D] -> [B, L, D]
            if (!ReferenceEquals(current, x)) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, x) ? x.alias() : current;
    }
}
