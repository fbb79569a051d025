using Ham.Model.Clip;
using TorchSharp;
using Xunit;

namespace Ham.Model.Tests.Clip;

/// <summary>Token ids the model cannot embed: a clear ArgumentException, not a native index error.</summary>
public sealed class BreakerClipTests
{
    private static ClipConfig Tiny => new(EmbedDim: 16, ImageResolution: 16, VisionLayers: 1, VisionWidth: 64,
        VisionPatchSize: 8, VisionHeads: 1, ContextLength: 8, VocabSize: 50, TransformerWidth: 64,
        TransformerHeads: 1, TransformerLayers: 1);

    [Theory]
    [InlineData(50)]  // the vocabulary is [0, 49]
    [InlineData(-1)]
    public void Ids_outside_the_vocabulary_are_refused_with_their_range(long bad)
    {
        using var model = new ClipModel(Tiny);
        using var ids = torch.tensor(new[] { 0L, 3, bad, 49 }).reshape(1, 4);

        var error = Assert.Throws<ArgumentException>(() => model.EncodeText(ids));

        Assert.Contains("[0, 49]", error.Message);
        Assert.Contains(bad.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void Float_ids_are_refused()
    {
        using var model = new ClipModel(Tiny);
        using var ids = torch.zeros(1, 4);

        Assert.Throws<ArgumentException>(() => model.EncodeText(ids));
    }

    [Fact]
    public void Ids_inside_the_vocabulary_still_encode()
    {
        using var model = new ClipModel(Tiny);
        using var ids = torch.tensor(new[] { 0L, 3, 49, 0 }).reshape(1, 4);

        using var features = model.EncodeText(ids);

        Assert.Equal([1L, 16], features.shape);
    }

    [Fact]
    public void A_floating_parameter_stored_as_integers_is_refused_naming_the_key()
    {
        using var model = new ClipModel(Tiny);
        var stateDict = model.state_dict().ToDictionary(pair => pair.Key, pair => pair.Value.detach().clone());
        stateDict["logit_scale"].Dispose();
        stateDict["logit_scale"] = torch.tensor(1078530011); // the bytes of a float read as Int32

        var error = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.LoadWeights(model, stateDict, "ck"));

        Assert.Contains("'logit_scale' is Int32", error.Message);
        Assert.StartsWith("ck:", error.Message);
        foreach (var tensor in stateDict.Values) tensor.Dispose();
    }
}
