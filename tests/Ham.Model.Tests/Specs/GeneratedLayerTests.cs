using Ham.Model.Checkpoints;
using Ham.Model.Clip;
using Ham.Model.Specs;
using Ham.Testing;
using Xunit;
using static TorchSharp.torch;

namespace Ham.Model.Tests.Specs;

/// <summary>CLIP through the generated layer code: declared shapes, registration and shape-checked loading.</summary>
public sealed class GeneratedLayerTests
{
    private static ClipConfig TinyConfig => ClipConfig.FromSpec(ClipSpecs.ClipTiny);

    [Fact]
    public void Declared_shapes_equal_the_spec_catalogue_key_for_key_in_state_dict_order()
    {
        using var model = new ClipModel(TinyConfig);

        var declared = model.ExpectedShapes();

        var catalogue = ClipSpecs.ClipTiny.Catalogue.Entries;
        Assert.Equal(catalogue.Select(e => (e.Name, e.Shape)), declared.Select(d => (d.Key, d.Shape)));
    }

    [Fact]
    public void Registered_parameters_are_exactly_the_declared_ones()
    {
        using var model = new ClipModel(TinyConfig);

        var registered = model.state_dict().ToDictionary(p => p.Key, p => new TensorShape(p.Value.shape));

        Assert.Equal(model.ExpectedShapes().ToDictionary(d => d.Key, d => d.Shape).OrderBy(p => p.Key),
            registered.OrderBy(p => p.Key));
    }

    [SharedFact]
    public void A_checkpoint_with_one_wrong_shape_fails_naming_the_key_the_expected_and_the_found_shape()
    {
        var path = SharedData.Path("fixtures", "clip-tiny", "model.safetensors");
        var stateDict = Safetensors.ReadAll(path);
        using var model = new ClipModel(TinyConfig);
        stateDict["visual.proj"].Dispose();
        stateDict["visual.proj"] = zeros(128, 32);

        var error = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.LoadWeights(model, stateDict, path));

        Assert.Contains(path, error.Message);
        Assert.Contains("misshapen 'visual.proj': expected shape [128, 64], found [128, 32]", error.Message);
        Assert.Contains("0 missing, 0 unexpected, 1 misshapen", error.Message);
        foreach (var tensor in stateDict.Values) tensor.Dispose();
    }

    [Fact]
    public void Loading_reports_every_mismatch_at_once_and_copies_nothing_before_the_check_passes()
    {
        using var source = new ClipModel(TinyConfig);
        using var target = new ClipModel(TinyConfig);
        var stateDict = source.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        stateDict.Remove("ln_final.bias", out var removed);
        stateDict["transformer.resblocks.1.attn.in_proj_weight"] = zeros(3, 3);
        stateDict["visual.extra"] = zeros(2);
        using var before = target.state_dict()["logit_scale"].clone();
        stateDict["logit_scale"].fill_(7.0);

        var error = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.LoadWeights(target, stateDict, "two.st"));

        Assert.Contains("1 missing, 1 unexpected, 1 misshapen", error.Message);
        Assert.Contains("missing 'ln_final.bias': expected shape [128]", error.Message);
        Assert.Contains("unexpected 'visual.extra': found shape [2]", error.Message);
        Assert.Contains("'transformer.resblocks.1.attn.in_proj_weight': expected shape [384, 128], found [3, 3]",
            error.Message);
        Assert.Equal(before.item<float>(), target.state_dict()["logit_scale"].item<float>());
        removed!.Dispose();
        foreach (var tensor in stateDict.Values) tensor.Dispose();
    }

    [Fact]
    public void A_matching_state_dict_loads_every_tensor()
    {
        using var source = new ClipModel(TinyConfig);
        using var target = new ClipModel(TinyConfig);
        var stateDict = source.state_dict();

        target.LoadStateDict(stateDict, "same.st");

        foreach (var (key, tensor) in target.state_dict())
        {
            Assert.True(tensor.equal(stateDict[key]).all().item<bool>(), key);
        }
    }
}
