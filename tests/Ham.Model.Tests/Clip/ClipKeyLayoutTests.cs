using Ham.Model.Checkpoints;
using Ham.Model.Clip;
using Ham.Testing;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace Ham.Model.Tests.Clip;

/// <summary>The same weights in every supported layout and container give the same model.</summary>
public sealed class ClipKeyLayoutTests
{
    private static Dictionary<string, Tensor> ReadFixtureWeights() =>
        Ham.Model.Checkpoints.Safetensors.ReadAll(ClipParityTests.Fixture("model.safetensors"));

    private static (Tensor Image, Tensor Text) Encode(ClipModel model, Dictionary<string, Tensor> inputs)
    {
        using var noGrad = no_grad();
        return (model.EncodeImage(inputs["pixel_values"]), model.EncodeText(inputs["input_ids"]));
    }

    /// <summary>
    /// OpenAI keys to Hugging Face CLIPModel keys, written here independently of the library's inverse mapping:
    /// q/k/v split out of in_proj, projections transposed into Linear weights, position_ids added.
    /// </summary>
    private static Dictionary<string, Tensor> ToHuggingFace(Dictionary<string, Tensor> openAi)
    {
        var hf = new Dictionary<string, Tensor>();
        foreach (var (key, value) in openAi)
        {
            var name = key
                .Replace("visual.transformer.resblocks.", "vision_model.encoder.layers.")
                .Replace("transformer.resblocks.", "text_model.encoder.layers.")
                .Replace(".attn.out_proj.", ".self_attn.out_proj.")
                .Replace(".ln_1.", ".layer_norm1.").Replace(".ln_2.", ".layer_norm2.")
                .Replace(".mlp.c_fc.", ".mlp.fc1.").Replace(".mlp.c_proj.", ".mlp.fc2.");
            name = name switch
            {
                "token_embedding.weight" => "text_model.embeddings.token_embedding.weight",
                "positional_embedding" => "text_model.embeddings.position_embedding.weight",
                "ln_final.weight" => "text_model.final_layer_norm.weight",
                "ln_final.bias" => "text_model.final_layer_norm.bias",
                "visual.class_embedding" => "vision_model.embeddings.class_embedding",
                "visual.conv1.weight" => "vision_model.embeddings.patch_embedding.weight",
                "visual.positional_embedding" => "vision_model.embeddings.position_embedding.weight",
                "visual.ln_pre.weight" => "vision_model.pre_layrnorm.weight",
                "visual.ln_pre.bias" => "vision_model.pre_layrnorm.bias",
                "visual.ln_post.weight" => "vision_model.post_layernorm.weight",
                "visual.ln_post.bias" => "vision_model.post_layernorm.bias",
                _ => name,
            };
            if (key == "visual.proj") hf["visual_projection.weight"] = value.t().contiguous();
            else if (key == "text_projection") hf["text_projection.weight"] = value.t().contiguous();
            else if (name.Contains(".attn.in_proj_"))
            {
                var kind = name.EndsWith("weight") ? "weight" : "bias";
                var prefix = name[..name.IndexOf(".attn.in_proj_")];
                var chunks = value.chunk(3, 0);
                hf[$"{prefix}.self_attn.q_proj.{kind}"] = chunks[0].contiguous();
                hf[$"{prefix}.self_attn.k_proj.{kind}"] = chunks[1].contiguous();
                hf[$"{prefix}.self_attn.v_proj.{kind}"] = chunks[2].contiguous();
            }
            else hf[name] = value;
        }
        hf["text_model.embeddings.position_ids"] = arange(77L).unsqueeze(0);
        hf["vision_model.embeddings.position_ids"] = arange(17L).unsqueeze(0);
        return hf;
    }

    [SharedFact]
    public void Hugging_Face_layout_gives_the_same_outputs_as_OpenAI_layout()
    {
        using var directory = new TempDirectory();
        var path = directory.File("hf.safetensors");
        Ham.Model.Checkpoints.Safetensors.Write(path, ToHuggingFace(ReadFixtureWeights()));
        var (_, inputs, expected) = ClipParityTests.Load();

        using var model = ClipCheckpoint.Load(path);
        var (image, text) = Encode(model, inputs);

        Assert.True(ClipParityTests.MaxAbsDifference(image, expected["image_features"]) < 1e-4);
        Assert.True(ClipParityTests.MaxAbsDifference(text, expected["text_features"]) < 1e-4);
    }

    [SharedFact]
    public void Module_prefix_and_half_precision_load_as_float32()
    {
        using var directory = new TempDirectory();
        var path = directory.File("half.safetensors");
        var weights = ReadFixtureWeights();
        Ham.Model.Checkpoints.Safetensors.Write(path, weights.ToDictionary(pair => "module." + pair.Key,
            pair => pair.Value.to_type(ScalarType.Float16)));

        using var model = ClipCheckpoint.Load(path);

        foreach (var (key, parameter) in model.state_dict())
        {
            Assert.Equal(ScalarType.Float32, parameter.dtype);
            using var rounded = weights[key].to_type(ScalarType.Float16).to_type(ScalarType.Float32);
            Assert.True(rounded.eq(parameter).all().item<bool>(), $"{key} is not the upcast half-precision value");
        }
    }

    [Fact]
    public void PyTorch_pickle_with_module_prefix_loads_through_PyBridge()
    {
        var config = new ClipConfig(16, 16, 1, 64, 8, 1, 10, 40, 64, 1, 1);
        torch.manual_seed(5);
        using var original = new ClipModel(config);
        original.eval();
        using var directory = new TempDirectory();
        var path = directory.File("model.pt");
        PyTorchPickler.PickleStateDict(path,
            original.state_dict().ToDictionary(pair => "module." + pair.Key, pair => pair.Value));
        using var ids = randint(0, 39, [2, 10]);

        using var loaded = ClipCheckpoint.Load(path);

        using var noGrad = no_grad();
        using var expected = original.EncodeText(ids);
        using var actual = loaded.EncodeText(ids);
        Assert.Equal(config, loaded.Config);
        Assert.True(ClipParityTests.MaxAbsDifference(actual, expected) < 1e-6);
    }

    [Fact]
    public void Heads_stated_beside_the_checkpoint_override_width_over_64()
    {
        // Width 96 with 3 heads: the width / 64 rule would say 1 head, so a wrong head count changes the outputs.
        var config = new ClipConfig(EmbedDim: 24, ImageResolution: 16, VisionLayers: 1, VisionWidth: 96,
            VisionPatchSize: 4, VisionHeads: 3, ContextLength: 12, VocabSize: 50, TransformerWidth: 96,
            TransformerHeads: 3, TransformerLayers: 2);
        torch.manual_seed(3);
        using var original = new ClipModel(config);
        original.eval();
        using var directory = new TempDirectory();
        var path = directory.File("model.safetensors");
        ClipCheckpoint.Save(original, path);
        using var pixels = randn(2, 3, 16, 16);
        using var ids = randint(0, 49, [3, 12]);

        using var guessed = ClipCheckpoint.Load(path);
        File.WriteAllText(directory.File("config.json"), """{"transformer_heads": 3, "vision_heads": 3}""");
        using var told = ClipCheckpoint.Load(path);

        Assert.Equal(1, guessed.Config.VisionHeads);
        Assert.Equal(config, told.Config);
        using var noGrad = no_grad();
        using var expectedText = original.EncodeText(ids);
        using var toldText = told.EncodeText(ids);
        using var guessedText = guessed.EncodeText(ids);
        using var expectedImage = original.EncodeImage(pixels);
        using var toldImage = told.EncodeImage(pixels);
        Assert.True(ClipParityTests.MaxAbsDifference(toldText, expectedText) < 1e-6);
        Assert.True(ClipParityTests.MaxAbsDifference(toldImage, expectedImage) < 1e-6);
        Assert.True(ClipParityTests.MaxAbsDifference(guessedText, expectedText) > 1e-4);
    }

    [Theory]
    [InlineData(64, 32, 2, 128, 8, 77, 1000, 64, 1)]
    [InlineData(32, 28, 1, 64, 14, 20, 300, 128, 3)]
    [InlineData(16, 24, 3, 192, 6, 8, 77, 192, 2)]
    public void Architecture_round_trips_through_shapes(int embed, int resolution, int visionLayers, int visionWidth,
        int patch, int context, int vocab, int textWidth, int textLayers)
    {
        var config = new ClipConfig(embed, resolution, visionLayers, visionWidth, patch,
            ClipConfig.DefaultHeads(visionWidth), context, vocab, textWidth, ClipConfig.DefaultHeads(textWidth),
            textLayers);
        using var model = new ClipModel(config);
        var shapes = model.state_dict().ToDictionary(pair => pair.Key, pair => pair.Value.shape);

        Assert.Equal(config, ClipConfig.FromShapes(shapes, "test"));
    }

    [Fact]
    public void Presets_have_the_reference_sizes()
    {
        Assert.Equal(32, ClipConfig.Preset("ViT-B/32").VisionPatchSize);
        Assert.Equal(16, ClipConfig.Preset("ViT-B/16").VisionPatchSize);
        Assert.Equal((1024, 16, 24, 768), (ClipConfig.VitL14.VisionWidth, ClipConfig.VitL14.VisionHeads,
            ClipConfig.VitL14.VisionLayers, ClipConfig.VitL14.EmbedDim));
        Assert.Equal(336, ClipConfig.Preset("ViT-L/14@336").ImageResolution);
        Assert.All(ClipConfig.Presets.Values, config => config.Validate());
        Assert.Throws<ArgumentException>(() => ClipConfig.Preset("RN50"));
    }

    [Fact]
    public void Missing_and_misshapen_tensors_are_named()
    {
        var config = new ClipConfig(8, 8, 1, 64, 4, 1, 5, 20, 64, 1, 1);
        using var model = new ClipModel(config);
        var stateDict = model.state_dict().ToDictionary(pair => pair.Key, pair => pair.Value.clone());

        stateDict.Remove("ln_final.bias", out var removed);
        var missing = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.LoadWeights(model, stateDict, "x.st"));
        stateDict["ln_final.bias"] = zeros(3);
        var misshapen = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.LoadWeights(model, stateDict, "x.st"));

        Assert.Contains("'ln_final.bias'", missing.Message);
        Assert.Contains("x.st", missing.Message);
        Assert.Contains("[3]", misshapen.Message);
        Assert.Contains("[64]", misshapen.Message);
        removed!.Dispose();
    }

    [Theory]
    [InlineData("torchscript")]
    [InlineData("pickle")]
    [InlineData("legacy")]
    [InlineData("garbage")]
    public void Broken_containers_are_invalid_data_naming_the_file(string kind)
    {
        using var directory = new TempDirectory();
        var path = directory.File($"{kind}.pt");
        if (kind is "torchscript" or "pickle")
        {
            using var archive = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create);
            var names = kind == "torchscript" ? new[] { "m/constants.pkl", "m/code/m.py" } : ["m/version"];
            foreach (var name in names)
            {
                using var writer = new StreamWriter(archive.CreateEntry(name).Open());
                writer.Write("not what it should be");
            }
        }
        else File.WriteAllBytes(path, kind == "legacy" ? [0x80, 0x02, 0x8a, 0x0a] : [1, 2, 3, 4, 5, 6, 7, 8, 9]);

        var error = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.Load(path).Dispose());

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Vision_tower_alone_trains_every_parameter()
    {
        var config = new ClipConfig(8, 16, 2, 64, 8, 2, 5, 20, 64, 1, 1);
        manual_seed(2);
        using var model = new ClipModel(config);
        var visual = model.Visual;
        visual.train();
        using var pixels = randn(3, 3, 16, 16);

        using var features = visual.forward(pixels);
        using var loss = features.square().sum();
        loss.backward();

        Assert.Equal(new long[] { 3, 8 }, features.shape);
        Assert.All(visual.named_parameters(), pair =>
        {
            Assert.NotNull(pair.parameter.grad);
            Assert.True(pair.parameter.grad!.abs().sum().item<float>() > 0, $"{pair.name} got no gradient");
        });
    }
}
