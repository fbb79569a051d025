using Ham.Cli.Commands;
using Ham.Model.Checkpoints;
using Ham.Model.Clip;
using Ham.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;
using static TorchSharp.torch;

namespace Ham.Cli.Tests;

public sealed class EncodeCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ham-encode-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static float MaxAbsDifference(Tensor a, Tensor b)
    {
        Assert.Equal(b.shape, a.shape);
        using var difference = (a - b).abs().max();
        return difference.item<float>();
    }

    [SharedFact]
    public void Tensor_mode_writes_the_reference_features_and_logits()
    {
        var fixture = SharedData.Path("fixtures", "clip-tiny");
        var inputs = Path.Combine(fixture, "inputs.safetensors");
        var output = Path.Combine(directory, "out.safetensors");

        var exitCode = TokenizeCommandTests.Run("encode", "--checkpoint", Path.Combine(fixture, "model.safetensors"),
            "--pixel-values", inputs, "--input-ids", inputs, "--out", output);

        Assert.Equal(0, exitCode);
        var actual = Safetensors.ReadAll(output);
        var expected = Safetensors.ReadAll(Path.Combine(fixture, "expected.safetensors"));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected) Assert.True(MaxAbsDifference(actual[name], tensor) < 1e-4, name);
    }

    [Fact]
    public void Images_and_texts_mode_preprocesses_tokenizes_and_records_the_inputs()
    {
        var config = new ClipConfig(16, 16, 1, 64, 8, 1, 77, 49408, 64, 1, 1);
        manual_seed(11);
        using var model = new ClipModel(config);
        var checkpoint = Path.Combine(directory, "model.safetensors");
        ClipCheckpoint.Save(model, checkpoint);
        var images = Directory.CreateDirectory(Path.Combine(directory, "images")).FullName;
        using (var red = new Image<Rgb24>(40, 20, new Rgb24(200, 10, 10))) red.SaveAsPng(Path.Combine(images, "a.png"));
        using (var blue = new Image<Rgb24>(20, 20, new Rgb24(10, 10, 200)))
            blue.SaveAsJpeg(Path.Combine(images, "b.jpg"));
        var textFile = Path.Combine(directory, "texts.txt");
        File.WriteAllLines(textFile, ["a red square", "a blue square"]);
        var output = Path.Combine(directory, "features.safetensors");

        var exitCode = TokenizeCommandTests.Run("encode", "--checkpoint", checkpoint, "--images", images,
            "--texts", textFile, "--texts", "a photo of a dog.", "--out", output);

        Assert.Equal(0, exitCode);
        using var file = SafetensorsFile.Open(output);
        Assert.Equal(new long[] { 2, 16 }, file["image_features"].Shape);
        Assert.Equal(new long[] { 3, 16 }, file["text_features"].Shape);
        Assert.Equal(new long[] { 2, 3 }, file["logits_per_image"].Shape);
        Assert.Equal(new long[] { 3, 2 }, file["logits_per_text"].Shape);
        Assert.Contains("a.png", file.Metadata["images"]);
        Assert.Contains("a photo of a dog.", file.Metadata["texts"]);
        using var ids = Ham.Model.Tokenization.ClipTokenizer.Default.EncodeBatch(["a red square"]);
        using var expectedText = model.EncodeText(ids);
        using var writtenText = file.Read("text_features");
        Assert.True(MaxAbsDifference(writtenText[0], expectedText[0]) < 1e-5);
    }

    [Fact]
    public void Missing_checkpoint_fails_with_exit_code_1()
    {
        var exitCode = TokenizeCommandTests.Run("encode", "--checkpoint", Path.Combine(directory, "none.safetensors"),
            "--texts", "dog", "--out", Path.Combine(directory, "out.safetensors"));

        Assert.Equal(1, exitCode);
    }

    [Fact]
    public void Mixing_tensor_and_file_inputs_is_a_usage_error()
    {
        var exitCode = TokenizeCommandTests.Run("encode", "--checkpoint", "m.safetensors", "--pixel-values",
            "p.safetensors", "--texts", "dog", "--out", Path.Combine(directory, "out.safetensors"));

        Assert.NotEqual(0, exitCode);
        Assert.False(File.Exists(Path.Combine(directory, "out.safetensors")));
    }
}
