using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Cli.Data;

/// <summary>Training augmentation on whole batches, on the batch's device.</summary>
public static class Augment
{
    /// <summary>
    /// Per image: a random square crop covering a uniform fraction in [<paramref name="minArea"/>,
    /// <paramref name="maxArea"/>] of the area at a uniform position, resized (bilinear) back to S×S, and a
    /// horizontal flip with probability 1/2. [B, 3, S, S] uint8 (0..255) or float (0..1) -> float32 [B, 3, S, S]
    /// in 0..1 on the same device. The random draws come from <paramref name="random"/> only (host side), so a
    /// seed gives the same crops on every device.
    /// </summary>
    public static Tensor RandomResizedCropFlip(Tensor batch, Random random, double minArea = 0.7,
        double maxArea = 1.0) =>
        throw new NotImplementedException();
}
