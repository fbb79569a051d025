using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;

namespace Ham.Model.Imaging;

/// <summary>
/// CLIP's reference preprocessing: resize the shortest side to the resolution with bicubic filtering, center
/// crop a square, scale to [0, 1], normalize with CLIP's mean and std. Output channels-first float32.
/// </summary>
public static class ClipPreprocess
{
    /// <summary>CLIP's per-channel mean (R, G, B) of [0, 1] pixel values.</summary>
    public static IReadOnlyList<float> Mean { get; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's per-channel standard deviation (R, G, B).</summary>
    public static IReadOnlyList<float> Std { get; } = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>One image: [3, R, R] float32 on the CPU, owned by the caller.</summary>
    public static torch.Tensor Apply(Image<Rgb24> image, int resolution = 224)
    {
        var values = new float[3 * resolution * resolution];
        Fill(image, resolution, values);
        return torch.tensor(values, [3, resolution, resolution]);
    }

    /// <summary>A batch: [B, 3, R, R] float32 on <paramref name="device"/>, owned by the caller.</summary>
    public static torch.Tensor Batch(IReadOnlyList<Image<Rgb24>> images, int resolution = 224,
        torch.Device? device = null)
    {
        var plane = 3 * resolution * resolution;
        var values = new float[images.Count * plane];
        Parallel.For(0, images.Count, i => Fill(images[i], resolution, values.AsSpan(i * plane, plane)));
        var batch = torch.tensor(values, [images.Count, 3, resolution, resolution]);
        if (device is null || device.type == DeviceType.CPU) return batch;
        using (batch) return batch.to(device);
    }

    /// <summary>
    /// The resized size before cropping, as torchvision computes it: the short side becomes the resolution, the
    /// long side int(resolution * long / short).
    /// </summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int resolution)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"image size {width}x{height} is empty", nameof(width));
        var (shortSide, longSide) = width <= height ? (width, height) : (height, width);
        var newLong = (int)((double)resolution * longSide / shortSide);
        return width <= height ? (resolution, newLong) : (newLong, resolution);
    }

    private static void Fill(Image<Rgb24> image, int resolution, Span<float> values)
    {
        if (resolution <= 0)
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "resolution must be positive");
        var (width, height) = ResizedSize(image.Width, image.Height, resolution);
        // torchvision's center crop: offsets round((size - crop) / 2) with Python's round half to even.
        var left = (int)Math.Round((width - resolution) / 2.0, MidpointRounding.ToEven);
        var top = (int)Math.Round((height - resolution) / 2.0, MidpointRounding.ToEven);

        using var resized = image.Clone(context => context
            .Resize(new ResizeOptions
            {
                Size = new Size(width, height),
                Sampler = KnownResamplers.Bicubic,
                Mode = ResizeMode.Stretch,
            })
            .Crop(new Rectangle(left, top, resolution, resolution)));

        var pixels = new Rgb24[resolution * resolution];
        resized.CopyPixelDataTo(pixels);
        var plane = resolution * resolution;
        var (mean, std) = ((float[])[Mean[0], Mean[1], Mean[2]], (float[])[Std[0], Std[1], Std[2]]);
        for (var i = 0; i < plane; i++)
        {
            // ToTensor then Normalize, in float32 as torchvision computes them: (v / 255 - mean) / std.
            values[i] = (pixels[i].R / 255f - mean[0]) / std[0];
            values[plane + i] = (pixels[i].G / 255f - mean[1]) / std[1];
            values[2 * plane + i] = (pixels[i].B / 255f - mean[2]) / std[2];
        }
    }
}
