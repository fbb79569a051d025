using Ham.Model.Checkpoints;
using Ham.Model.Clip;
using Ham.Testing;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Ham.Model.Tests.Clip;

/// <summary>Equality with OpenAI's CLIP on the random-weight fixture.</summary>
public sealed class ClipParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    internal static string Fixture(string name) => SharedData.Path("fixtures", "clip-tiny", name);

    internal static (ClipModel Model, Dictionary<string, Tensor> Inputs, Dictionary<string, Tensor> Expected) Load()
    {
        var model = ClipCheckpoint.Load(Fixture("model.safetensors"));
        return (model, Safetensors.ReadAll(Fixture("inputs.safetensors")),
            Safetensors.ReadAll(Fixture("expected.safetensors")));
    }

    internal static double MaxAbsDifference(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var difference = (actual - expected).abs().max();
        return difference.item<float>();
    }

    [SharedFact]
    public void Architecture_is_read_from_the_checkpoint_shapes()
    {
        using var file = SafetensorsFile.Open(Fixture("model.safetensors"));
        var shapes = file.Entries.ToDictionary(entry => entry.Name, entry => entry.Shape);

        var config = ClipConfig.FromShapes(shapes, file.Path);

        Assert.Equal(new ClipConfig(EmbedDim: 64, ImageResolution: 32, VisionLayers: 2, VisionWidth: 128,
            VisionPatchSize: 8, VisionHeads: 2, ContextLength: 77, VocabSize: 49408, TransformerWidth: 128,
            TransformerHeads: 2, TransformerLayers: 2), config);
    }

    [SharedFact]
    public void Features_and_logits_equal_the_reference()
    {
        var (model, inputs, expected) = Load();
        using var noGrad = no_grad();

        using var imageFeatures = model.EncodeImage(inputs["pixel_values"]);
        using var textFeatures = model.EncodeText(inputs["input_ids"]);
        var (logitsPerImage, logitsPerText) = model.Forward(inputs["pixel_values"], inputs["input_ids"]);

        var differences = new Dictionary<string, double>
        {
            ["image_features"] = MaxAbsDifference(imageFeatures, expected["image_features"]),
            ["text_features"] = MaxAbsDifference(textFeatures, expected["text_features"]),
            ["logits_per_image"] = MaxAbsDifference(logitsPerImage, expected["logits_per_image"]),
            ["logits_per_text"] = MaxAbsDifference(logitsPerText, expected["logits_per_text"]),
        };
        foreach (var (name, difference) in differences) output.WriteLine($"{name}: max |diff| = {difference:E2}");
        Assert.All(differences, pair => Assert.True(pair.Value < Tolerance, $"{pair.Key}: {pair.Value:E2}"));
    }
}
