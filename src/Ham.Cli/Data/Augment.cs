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
    /// in 0..1 on the same device. The random draws come from <paramref name="random"/> only (host side, four per
    /// image: area, x, y, flip), so a seed gives the same crops on every device.
    /// </summary>
    public static Tensor RandomResizedCropFlip(Tensor batch, Random random, double minArea = 0.7,
        double maxArea = 1.0)
    {
        if (batch.dim() != 4 || batch.shape[1] != 3 || batch.shape[2] != batch.shape[3])
            throw new ArgumentException(
                $"expected square RGB images [B, 3, S, S], found [{string.Join(", ", batch.shape)}]", nameof(batch));
        if (!(minArea > 0 && minArea <= maxArea && maxArea <= 1))
            throw new ArgumentOutOfRangeException(nameof(minArea),
                $"area fractions [{minArea}, {maxArea}] must satisfy 0 < min <= max <= 1");
        using var scope = NewDisposeScope();

        var count = (int)batch.shape[0];
        var theta = new float[count * 6];
        for (var b = 0; b < count; b++)
        {
            // In normalised coordinates the image spans [-1, 1]; the crop spans [c - s, c + s] with s = sqrt(area).
            var side = Math.Sqrt(minArea + (maxArea - minArea) * random.NextDouble());
            var centerX = (1 - side) * (2 * random.NextDouble() - 1);
            var centerY = (1 - side) * (2 * random.NextDouble() - 1);
            var flip = random.NextDouble() < 0.5 ? -1.0 : 1.0;
            theta[b * 6 + 0] = (float)(side * flip);
            theta[b * 6 + 2] = (float)centerX;
            theta[b * 6 + 4] = (float)side;
            theta[b * 6 + 5] = (float)centerY;
        }

        var images = batch.to(ScalarType.Float32);
        if (batch.dtype == ScalarType.Byte) images = images.div_(255f);
        var affine = tensor(theta, [count, 2, 3], device: batch.device);                 // [B, 2, 3]
        var grid = nn.functional.affine_grid(affine, batch.shape, align_corners: false);  // [B, S, S, 2]
        var output = nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border,
            align_corners: false);                                                         // [B, 3, S, S]

        return output.MoveToOuterDisposeScope();
    }
}
