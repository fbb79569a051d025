using Ham.Model.Clip;
using Ham.Model.Tokenization;
using Ham.Testing;
using Xunit;
using static TorchSharp.torch;

namespace Ham.Model.Tests.Clip;

public sealed class ZeroShotHeadTests
{
    [SharedFact]
    public void Rows_are_the_normalized_template_mean_of_the_reference_text_features()
    {
        var (model, _, expected) = ClipParityTests.Load();
        var reference = ClipModel.Normalize(expected["text_features"]);   // [5, E], fixture texts in order

        // With class name "." the three prompts are fixture texts 0, 1 and 2; "!" makes a second, other row.
        using var head = ZeroShotHead.Build(model, ClipTokenizer.Default, [".", "!"],
            ["a photo of a dog{}", "a sketch of a giraffe{}", "an art painting of a house{}"], CPU);
        using var single = ZeroShotHead.Build(model, ClipTokenizer.Default, ["dog"], ["a photo of a {}."], CPU);

        using var mean = (reference[0] + reference[1] + reference[2]) / 3;
        using var expectedRow = ClipModel.Normalize(mean);
        Assert.Equal(new long[] { 2, 64 }, head.shape);
        Assert.True(ClipParityTests.MaxAbsDifference(head[0], expectedRow) < 1e-5);
        Assert.True(ClipParityTests.MaxAbsDifference(head[1], expectedRow) > 1e-3);
        Assert.True(ClipParityTests.MaxAbsDifference(single[0], reference[0]) < 1e-5);
        using var norms = head.norm(1);
        Assert.True(ClipParityTests.MaxAbsDifference(norms, ones(2)) < 1e-6);
    }

    [Fact]
    public void Template_without_placeholder_is_refused()
    {
        var config = new ClipConfig(8, 8, 1, 64, 4, 1, 77, 49408, 64, 1, 1);
        using var model = new ClipModel(config);

        var error = Assert.Throws<ArgumentException>(() =>
            ZeroShotHead.Build(model, ClipTokenizer.Default, ["dog"], ["a photo."], CPU));

        Assert.Contains("\"a photo.\"", error.Message);
        Assert.Contains("a photo of a {}.", ZeroShotHead.DefaultTemplates);
    }
}
