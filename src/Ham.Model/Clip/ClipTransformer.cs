using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

/// <summary>
/// A stack of <see cref="ResidualAttentionBlock"/>s under the checkpoint name <c>resblocks</c>; fields and
/// constructor (width, layers, heads, causal) are generated (Ham.Generators).
/// </summary>
public sealed partial class ClipTransformer
{
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
