using Ham.Cli.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Ham.Cli.Tests;

public sealed class DataCacheTests
{
    private static void SavePng(string path, Image<Rgb24> image)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        image.SaveAsPng(path);
    }

    [Fact]
    public void Cache_resizes_squares_and_center_crops_the_rest_into_uint8_nchw()
    {
        using var folder = new DataTestFolder();
        // 12×4: red | green | blue thirds; the center crop at S = 4 keeps the green middle.
        using (var wide = new Image<Rgb24>(12, 4))
        {
            for (var x = 0; x < 12; x++)
                for (var y = 0; y < 4; y++)
                    wide[x, y] = x < 4 ? new Rgb24(255, 0, 0) : x < 8 ? new Rgb24(0, 255, 0) : new Rgb24(0, 0, 255);
            SavePng(folder.Path("d", "c", "wide.png"), wide);
        }
        using (var square = new Image<Rgb24>(8, 8, new Rgb24(10, 20, 30)))
            SavePng(folder.Path("d", "c", "square.png"), square);
        var data = DomainBedFolder.Scan(folder.Root);
        var reports = new List<DecodeProgress>();

        using var cache = ImageCache.Load(data, [0, 1], resolution: 4, progress: reports.Add, reportEvery: 1);

        Assert.Equal(["d/c/square.png", "d/c/wide.png"], data.Items.Select(i => i.RelativePath));
        Assert.Equal([2L, 3, 4, 4], cache.shape);
        Assert.Equal(ScalarType.Byte, cache.dtype);
        Assert.Equal([10, 20, 30], cache[0, TensorIndex.Colon, 2, 2].data<byte>().ToArray());
        Assert.Equal([0, 255, 0], cache[1, TensorIndex.Colon, 1, 1].data<byte>().ToArray());
        Assert.Equal(2, reports[^1].Done);
        Assert.Equal(2, reports[^1].Total);
    }

    [Fact]
    public void An_undecodable_image_names_the_file()
    {
        using var folder = new DataTestFolder();
        var bad = folder.File("d/c/broken.jpg", [0xff, 0xd8, 1, 2, 3]);
        var data = DomainBedFolder.Scan(folder.Root);

        var error = Assert.Throws<InvalidDataException>(() => ImageCache.Load(data, [0], resolution: 8));

        Assert.Contains(bad, error.Message);
    }

    [Fact]
    public void Full_area_crop_is_the_image_or_its_mirror_and_both_occur()
    {
        using var scope = NewDisposeScope();
        var batch = randint(0, 256, [16, 3, 6, 6], dtype: ScalarType.Byte, generator: new Generator(1));
        var images = batch.to(ScalarType.Float32).div(255f);

        var output = Augment.RandomResizedCropFlip(batch, new Random(2), minArea: 1.0, maxArea: 1.0);

        Assert.Equal(ScalarType.Float32, output.dtype);
        var (kept, mirrored) = (0, 0);
        for (var b = 0; b < 16; b++)
        {
            if (allclose(output[b], images[b], atol: 1e-5)) kept++;
            else if (allclose(output[b], images[b].flip(2), atol: 1e-5)) mirrored++;
        }
        Assert.Equal(16, kept + mirrored);
        Assert.InRange(kept, 1, 15);
    }

    [Fact]
    public void Crops_are_seeded_stay_in_range_and_zoom_in()
    {
        using var scope = NewDisposeScope();
        // A horizontal ramp: a crop of 70-100% of the area narrows the range of values seen.
        var ramp = linspace(0, 1, 32).view(1, 1, 1, 32).expand(4, 3, 32, 32).contiguous();

        var first = Augment.RandomResizedCropFlip(ramp, new Random(5));
        var again = Augment.RandomResizedCropFlip(ramp, new Random(5));
        var other = Augment.RandomResizedCropFlip(ramp, new Random(6));

        Assert.True(allclose(first, again, rtol: 0, atol: 0));
        Assert.False(allclose(first, other, rtol: 0, atol: 0));
        Assert.True(first.min().item<float>() >= 0f && first.max().item<float>() <= 1f);
        for (var b = 0; b < 4; b++)
        {
            var span = first[b].max().item<float>() - first[b].min().item<float>();
            Assert.InRange(span, 0.7f, 1.0f);   // the crop's side is sqrt(0.7..1) ≈ 0.84..1 of the ramp
        }
    }
}
