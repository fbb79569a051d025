using System.Text.Json;
using Ham.Model.Imaging;
using Ham.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Ham.Model.Tests.Imaging;

public sealed class ClipPreprocessTests(ITestOutputHelper output)
{
    [SharedFact]
    public void Matches_the_reference_preprocessing_of_three_PACS_images()
    {
        var fixture = SharedData.Path("fixtures", "clip-tiny");
        var names = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(fixture, "preprocessed.json")))!;
        var images = names.Select(name => Image.Load<Rgb24>(SharedData.Path("data", "pacs", "images", name))).ToList();
        using var expected = Ham.Model.Checkpoints.Safetensors.ReadAll(
            Path.Combine(fixture, "preprocessed.safetensors"))["pixel_values"];

        using var actual = ClipPreprocess.Batch(images, 224);

        using var difference = (actual - expected).abs();
        var mean = difference.mean().item<float>();
        var max = difference.max().item<float>();
        output.WriteLine($"mean |diff| = {mean:F5}, max |diff| = {max:F5} (normalized; one grey level ≈ 0.015)");
        for (var i = 0; i < names.Length; i++)
        {
            using var perImage = difference[i];
            var (imageMean, imageMax) = (perImage.mean().item<float>(), perImage.max().item<float>());
            output.WriteLine($"{names[i]}: mean {imageMean:F5}, max {imageMax:F5}");
        }
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(mean < 0.015, $"mean |diff| {mean:F5}");
        Assert.True(max < 0.5, $"max |diff| {max:F5}");
        foreach (var image in images) image.Dispose();
    }

    [Theory]
    [InlineData(227, 227, 224, 224, 224)]
    [InlineData(640, 480, 224, 298, 224)]
    [InlineData(480, 640, 224, 224, 298)]
    [InlineData(100, 50, 32, 64, 32)]
    public void Shortest_side_becomes_the_resolution(int width, int height, int resolution, int newWidth,
        int newHeight)
    {
        Assert.Equal((newWidth, newHeight), ClipPreprocess.ResizedSize(width, height, resolution));
    }

    [Fact]
    public void Uniform_image_normalizes_to_the_mean_and_std_formula()
    {
        using var image = new Image<Rgb24>(50, 30, new Rgb24(255, 128, 0));

        using var pixels = ClipPreprocess.Apply(image, 16);

        Assert.Equal(new long[] { 3, 16, 16 }, pixels.shape);
        var expected = new[] { (1f - 0.48145466f) / 0.26862954f, (128 / 255f - 0.4578275f) / 0.26130258f,
            (0f - 0.40821073f) / 0.27577711f };
        for (var c = 0; c < 3; c++)
        {
            using var channel = pixels[c];
            Assert.Equal(expected[c], channel.min().item<float>(), 4);
            Assert.Equal(expected[c], channel.max().item<float>(), 4);
        }
    }

    [Fact]
    public void Center_crop_keeps_the_middle_of_the_long_side()
    {
        // A wide image: left third red, middle green, right third blue; the crop sees only green.
        using var image = new Image<Rgb24>(90, 30);
        for (var x = 0; x < 90; x++)
        for (var y = 0; y < 30; y++)
            image[x, y] = x < 30 ? new Rgb24(255, 0, 0) : x < 60 ? new Rgb24(0, 255, 0) : new Rgb24(0, 0, 255);

        using var pixels = ClipPreprocess.Batch([image], 10);

        Assert.Equal(new long[] { 1, 3, 10, 10 }, pixels.shape);
        using var green = pixels[0, 1];
        using var red = pixels[0, 0];
        Assert.True(green.min().item<float>() > 1.5f);
        Assert.True(red.max().item<float>() < -1.5f);
    }
}
