using Ham.Algorithms;
using Ham.Model.Backbones;
using Ham.Model.Checkpoints;
using Ham.Model.Clip;
using Ham.Model.Specs;
using Ham.Testing;
using Xunit;
using static TorchSharp.torch;

namespace Ham.Model.Tests.Specs;

/// <summary>The generated specs against published figures, the real modules and the fixture checkpoint.</summary>
public sealed class SpecCatalogueTests
{
    private static ClipConfig TinyConfig => new(EmbedDim: 64, ImageResolution: 32, VisionLayers: 2, VisionWidth: 128,
        VisionPatchSize: 8, VisionHeads: 2, ContextLength: 77, VocabSize: 49408, TransformerWidth: 128,
        TransformerHeads: 2, TransformerLayers: 2);

    private static Dictionary<string, long[]> Shapes(ClipSpec spec) =>
        spec.Catalogue.Entries.ToDictionary(e => e.Name, e => e.Shape.ToArray());

    // OpenAI's released models: sum of numel over their state dicts (clip/model.py, the same key set).
    [Theory]
    [InlineData("ViT-B-32", 151_277_313L)]
    [InlineData("ViT-B-16", 149_620_737L)]
    [InlineData("ViT-L-14", 427_616_513L)]
    [InlineData("ViT-L-14-336", 427_944_193L)]
    public void Parameter_counts_equal_the_released_models(string name, long parameters)
    {
        var spec = ClipSpecs.Get(name);

        Assert.Equal(parameters, spec.ParameterCount);
        Assert.Equal(parameters, spec.Catalogue.ParameterCount);
        Assert.Equal(spec.ParameterCount - 1, spec.Vision.ParameterCount + spec.Text.ParameterCount);
    }

    [Fact]
    public void Derived_values_follow_from_the_open_clip_fields()
    {
        var spec = ClipSpecs.VitL14_336;

        var vision = spec.Vision;
        Assert.Equal((24, 16, 64, 4096), (vision.GridSize, vision.Heads, vision.HeadWidth, vision.MlpWidth));
        Assert.Equal(24 * 24 + 1, spec.Vision.TokenCount);
        Assert.Equal(12, spec.Text.Heads);
        Assert.Same(ClipSpecs.VitB16, ClipSpecs.Get("ViT-B/16"));
        Assert.Equal(["ViT-B-16", "ViT-B-32", "ViT-L-14", "ViT-L-14-336", "clip-tiny"],
            ClipSpecs.All.Select(s => s.Name));
        Assert.Contains("known: ViT-B-16", Assert.Throws<ArgumentException>(() => ClipSpecs.Get("ViT-H-14")).Message);
    }

    [Fact]
    public void Tiny_catalogue_equals_the_state_dict_of_a_model_built_from_the_fixture_config()
    {
        using var model = new ClipModel(TinyConfig);
        var stateDict = model.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);

        var report = ClipSpecs.ClipTiny.Catalogue.Check("ClipModel(tiny)", stateDict);

        Assert.True(report.IsMatch, report.ToString());
        Assert.Equal(ClipSpecs.ClipTiny.ParameterCount, model.parameters().Sum(p => p.numel()));
    }

    [SharedFact]
    public void Fixture_checkpoint_matches_the_tiny_catalogue()
    {
        using var file = SafetensorsFile.Open(SharedData.Path("fixtures", "clip-tiny", "model.safetensors"));
        var shapes = file.Entries.ToDictionary(entry => entry.Name, entry => entry.Shape);

        ClipSpecs.ClipTiny.Catalogue.Verify(file.Path, shapes);
    }

    [Fact]
    public void One_wrong_shape_is_reported_with_the_file_key_expected_and_found_shape()
    {
        var shapes = Shapes(ClipSpecs.VitB16);
        shapes["visual.conv1.weight"] = [768, 3, 32, 32];

        var error = Assert.Throws<InvalidDataException>(
            () => ClipSpecs.VitB16.Catalogue.Verify("b16.safetensors", shapes));

        Assert.Contains("b16.safetensors", error.Message);
        Assert.Contains("misshapen 'visual.conv1.weight': expected shape [768, 3, 16, 16], found [768, 3, 32, 32]",
            error.Message);
        Assert.Contains("0 missing, 0 unexpected, 1 misshapen", error.Message);
    }

    [Fact]
    public void Every_missing_unexpected_and_misshapen_key_is_reported_at_once()
    {
        var shapes = Shapes(ClipSpecs.VitB32);
        shapes.Remove("logit_scale");
        shapes.Remove("visual.transformer.resblocks.11.mlp.c_fc.bias");
        shapes["visual.head.weight"] = [10, 512];
        shapes["ln_final.bias"] = [768];

        var report = ClipSpecs.VitB32.Catalogue.Check("b32.pt", shapes);

        Assert.Equal(["logit_scale", "visual.transformer.resblocks.11.mlp.c_fc.bias"],
            report.Missing.Select(m => m.Key));
        Assert.Equal(new TensorShape(3072), report.Missing[1].Shape);
        Assert.Equal("visual.head.weight", Assert.Single(report.Unexpected).Key);
        var misshapen = Assert.Single(report.Misshapen);
        Assert.Equal(("ln_final.bias", new TensorShape(512), new TensorShape(768)),
            (misshapen.Key, misshapen.Expected, misshapen.Found));
        Assert.StartsWith("b32.pt does not match the ViT-B-32 catalogue", report.ToString());
    }

    [Fact]
    public void Hugging_Face_layout_splits_qkv_transposes_projections_and_ignores_position_ids()
    {
        var catalogue = ClipSpecs.ClipTiny.Catalogue;
        var hf = catalogue.Entries
            .SelectMany(e => e.HuggingFaceNames.Select(name => (name, e.HuggingFaceShape.ToArray())))
            .ToDictionary(p => p.name, p => p.Item2);
        hf["text_model.embeddings.position_ids"] = [1, 77];

        Assert.True(catalogue.Check("hf.safetensors", hf, CheckpointLayout.HuggingFace).IsMatch);
        Assert.Equal(CheckpointLayout.HuggingFace, KeyCatalogue.DetectLayout(hf.Keys));
        Assert.Equal([128L, 128L], hf["vision_model.encoder.layers.1.self_attn.k_proj.weight"]);
        Assert.Equal([64L, 128L], hf["visual_projection.weight"]);
        var v = "text_model.encoder.layers.0.self_attn.v_proj.bias";
        Assert.True(catalogue.TryGetHuggingFace(v, out var entry, out var part));
        Assert.Equal(("transformer.resblocks.0.attn.in_proj_bias", 2), (entry.Name, part));
    }

    [Fact]
    public void Groups_partition_the_image_tower_and_become_parameter_groups()
    {
        var groups = ClipSpecs.VitB16.Groups;
        var parts = new[] { groups.VisualEmbeddings, groups.VisualAttention, groups.VisualMlp, groups.VisualNorms,
            groups.VisualProjection };

        Assert.Equal(groups.Visual.Keys.Order(), parts.SelectMany(g => g.Keys).Order());
        Assert.Equal(12, groups.VisualLayers.Count);
        Assert.Equal(groups.Visual.Keys.Count - 8, groups.VisualLayers.Sum(g => g.Keys.Count));
        Assert.All(groups.TrainedKeys, key => Assert.StartsWith("visual.", key));
        Assert.Equal(["logit_scale"], groups.LogitScale.Keys);
        Assert.Equal(ClipSpecs.VitB16.Catalogue.Count, groups.Visual.Keys.Count + groups.Text.Keys.Count + 1);

        IReadOnlyList<ParameterGroup> forAlgorithms = groups.VisualLayers.ToParameterGroups();
        Assert.Equal("visual.layers.3", forAlgorithms[3].Name);
        Assert.All(forAlgorithms[3].Keys, key => Assert.StartsWith("visual.transformer.resblocks.3.", key));
    }

    [Fact]
    public void Spec_defined_groups_expand_to_keys()
    {
        var groups = ClipSpecs.ClipTiny.Groups;

        var blocks = groups["visual.blocks"];

        Assert.Equal(groups.VisualAttention.Keys.Concat(groups.VisualMlp.Keys).Order(), blocks.Keys.Order());
        Assert.Throws<KeyNotFoundException>(() => groups["visual.nothing"]);
    }

    [Fact]
    public void Group_algebra_keeps_the_name_and_the_key_order()
    {
        var group = new SpecGroup("g", ["visual.c", "visual.a", "visual.b", "visual.d"]);
        var other = new SpecGroup("other", ["visual.d", "visual.a", "x"]);

        Assert.Equal(["visual.a", "visual.d"], group.Within(other).Keys);
        Assert.Equal("g", group.Within(other).Name);
        Assert.Equal(["visual.c", "visual.b"], group.Except(other).Keys);
        Assert.Equal(["visual.c"], group.Except(other, new SpecGroup("b", ["visual.b"])).Keys);
        Assert.Equal(group.Keys, group.Except().Keys);
        Assert.Equal(["c", "a", "b", "d"], group.WithoutPrefix("visual.").Keys);
        var error = Assert.Throws<ArgumentException>(() => other.WithoutPrefix("visual."));
        Assert.Contains("'x'", error.Message);
    }

    [Fact]
    public void ResNet_blocks_split_the_stages_stage_by_stage()
    {
        var groups = ResNetSpecs.Resnet18Onnx.Groups;

        Assert.Equal(["layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0", "layer4.1",
            "layer4.2"], groups.Blocks.Select(b => b.Name));
        Assert.Equal([12, 12, 18, 12, 18, 12, 18, 12, 12], groups.Blocks.Select(b => b.Keys.Count));
        Assert.Equal(groups.Stages.SelectMany(s => s.Keys), groups.Blocks.SelectMany(b => b.Keys));
        Assert.Equal(["layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight", "layer2.0.downsample.1.bias"],
            groups.Blocks[2].Within(groups.Parameters).Keys.TakeLast(3));
        Assert.Equal(8, ResNetSpecs.Resnet18.Groups.Blocks.Count);
    }

    [Fact]
    public void A_clip_config_finds_the_shipped_spec_of_its_architecture()
    {
        Assert.Same(ClipSpecs.ClipTiny, TinyConfig.ShippedSpec());
        Assert.Same(ClipSpecs.VitL14_336, ClipConfig.VitL14At336.ShippedSpec());

        var unknown = TinyConfig with { VisionLayers = 3 };
        var error = Assert.Throws<InvalidOperationException>(() => unknown.ShippedSpec());
        Assert.Contains("image tower 128 wide, 3 layers, 2 heads, 8 px patches at 32 px", error.Message);
        Assert.Contains("add its open_clip config JSON to specs/", error.Message);
    }

    [Theory]
    [InlineData("resnet18", new[] { 2, 2, 2, 2 })]
    [InlineData("resnet18-onnx", new[] { 2, 2, 2, 3 })]
    public void ResNet_catalogue_equals_the_torchvision_named_module(string name, int[] blocks)
    {
        var spec = ResNetSpecs.Get(name);
        using var model = new ResNet18(blocks);
        var stateDict = model.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);

        var report = spec.Catalogue.Check(name, stateDict);

        Assert.True(report.IsMatch, report.ToString());
        Assert.Equal(spec.ParameterCount, model.parameters().Sum(p => p.numel()));
        Assert.Equal(512, spec.FeatureDim);
        Assert.Equal(blocks.Length, spec.Groups.Stages.Count);
        Assert.DoesNotContain(spec.Groups.Parameters.Keys, key => key.Contains("running_"));
    }

    // torchvision's resnet18 has 11,689,512 parameters, of which fc holds 512 * 1000 + 1000.
    [Fact]
    public void ResNet18_without_its_classifier_has_the_torchvision_count_less_fc() =>
        Assert.Equal(11_689_512L - 513_000L, ResNetSpecs.Resnet18.ParameterCount);
}
