using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

/// <summary>
/// The feed-forward part of a CLIP block: <c>c_fc</c>, QuickGELU, <c>c_proj</c> (width 4D inside). Fields and
/// constructor are generated (Ham.Generators).
/// </summary>
public sealed partial class ClipMlp
{
    public override Tensor forward(Tensor x)
    {
        using var hidden = c_fc.forward(x);                     // [B, L, D] -> [B, L, 4D]
        using var activated = QuickGelu(hidden);
        return c_proj.forward(activated);                       // [B, L, 4D] -> [B, L, D]
    }

    // QuickGELU(x) = x * sigmoid(1.702 x), the approximation CLIP was trained with.
    private static Tensor QuickGelu(Tensor x)
    {
        using var scaled = x * 1.702;
        using var gate = scaled.sigmoid();
        return x * gate;
    }
}
