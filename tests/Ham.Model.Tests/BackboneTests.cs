using Ham.Model.Backbones;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Ham.Model.Tests;

public sealed class BackboneTests
{
    private static readonly Lazy<ResNet18> Pretrained = new(() => ResNet18Onnx.LoadDefault(CPU));

    [Fact]
    public void Converted_network_matches_onnxruntime_on_random_input()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var input = randn([1, 3, 224, 224], generator: generator).mul(60f);

        using var session = new InferenceSession(ResNet18Onnx.DefaultPath);
        var name = session.InputMetadata.Keys.Single();
        var onnxInput = new DenseTensor(input.data<float>().ToArray(), [1, 3, 224, 224]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(name, onnxInput)]);
        var expected = results.Single().AsEnumerable<float>().ToArray();

        using var noGrad = no_grad();
        var actual = Pretrained.Value.call(input).data<float>().ToArray();

        Assert.Equal(ResNet18.FeatureDim, actual.Length);
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-4 * scale, $"largest difference {worst} exceeds 1e-4 of the largest feature {scale}");
        Assert.True(scale > 0.1, $"features suspiciously small (largest {scale})");
    }

    [Fact]
    public void Parameter_names_follow_torchvision()
    {
        using var model = new ResNet18();
        var keys = model.state_dict().Keys.ToHashSet();

        string[] expected = ["conv1.weight", "bn1.weight", "bn1.running_mean", "layer1.0.conv1.weight",
            "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_var", "layer4.1.bn2.running_var",
            "layer4.1.bn2.bias", "layer4.2.bn2.running_var"];
        foreach (var key in expected) Assert.Contains(key, keys);
        Assert.DoesNotContain("layer1.0.downsample.0.weight", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("fc", StringComparison.Ordinal));
        // torchvision's ResNet-18 without fc (11,176,512) plus the ONNX model's third 512-wide block (4,720,640).
        Assert.Equal(15_897_152L, model.parameters().Sum(p => p.numel()));
        using var torchvisionLayout = new ResNet18([2, 2, 2, 2]);
        Assert.Equal(11_176_512L, torchvisionLayout.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Parameter_groups_cover_every_parameter_once()
    {
        using var model = new ResNet18();

        var groups = model.ParameterGroups;

        Assert.Equal(["stem", "layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1", "layer4.0",
            "layer4.1", "layer4.2"], groups.Select(g => g.Name));
        var grouped = groups.SelectMany(g => g.Keys).ToList();
        Assert.Equal(grouped.Count, grouped.Distinct().Count());
        Assert.Equal(model.named_parameters().Select(p => p.name).Order(), grouped.Order());
        Assert.Contains("layer3.0.downsample.1.bias", groups[5].Keys);
    }

    // Written out rather than derived: a running experiment's OPA/RHM groups depend on exactly these names, keys and
    // orders. 66 trainable tensors: the stem's 3, 6 per block, 9 where the block's shortcut projects.
    [Fact]
    public void Parameter_groups_of_the_onnx_network_are_the_stem_then_each_block_in_parameter_order()
    {
        using var model = new ResNet18();
        string[] block = ["conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias"];
        string[] projecting = [.. block, "downsample.0.weight", "downsample.1.weight", "downsample.1.bias"];
        (string Name, string[] Keys)[] expected =
        [
            ("stem", ["conv1.weight", "bn1.weight", "bn1.bias"]),
            ("layer1.0", block), ("layer1.1", block),
            ("layer2.0", projecting), ("layer2.1", block),
            ("layer3.0", projecting), ("layer3.1", block),
            ("layer4.0", projecting), ("layer4.1", block), ("layer4.2", block),
        ];

        var groups = model.ParameterGroups;

        Assert.Equal(expected.Select(g => g.Name), groups.Select(g => g.Name));
        Assert.Equal([3, 6, 6, 9, 6, 9, 6, 9, 6, 6], groups.Select(g => g.Keys.Count));
        Assert.Equal(["conv1.weight", "bn1.weight", "bn1.bias"], groups[0].Keys);
        Assert.Equal(["layer2.0.conv1.weight", "layer2.0.bn1.weight", "layer2.0.bn1.bias", "layer2.0.conv2.weight",
            "layer2.0.bn2.weight", "layer2.0.bn2.bias", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight",
            "layer2.0.downsample.1.bias"], groups[3].Keys);
        Assert.Equal(["layer4.2.conv1.weight", "layer4.2.bn1.weight", "layer4.2.bn1.bias", "layer4.2.conv2.weight",
            "layer4.2.bn2.weight", "layer4.2.bn2.bias"], groups[9].Keys);
        for (var i = 1; i < expected.Length; i++)
            Assert.Equal(expected[i].Keys.Select(key => $"{expected[i].Name}.{key}"), groups[i].Keys);
        Assert.Equal(model.named_parameters().Select(p => p.name), groups.SelectMany(g => g.Keys));
    }

    [Fact]
    public void The_network_takes_its_groups_from_the_spec_with_its_blocks()
    {
        using var onnx = new ResNet18();
        using var torchvision = new ResNet18([2, 2, 2, 2]);
        using var unshipped = new ResNet18([1, 1, 1, 1]);

        Assert.Equal("resnet18-onnx", onnx.Spec.Name);
        Assert.Equal("resnet18", torchvision.Spec.Name);
        Assert.Equal(9, torchvision.ParameterGroups.Count);
        var error = Assert.Throws<InvalidOperationException>(() => unshipped.ParameterGroups);
        Assert.Contains("blocks 1-1-1-1", error.Message);
        Assert.Contains("specs/", error.Message);
    }

    [Fact]
    public void Preprocess_gives_bgr_minus_channel_means_for_bytes_and_unit_floats()
    {
        using var scope = NewDisposeScope();
        var rgb = tensor(new byte[] { 10, 20, 30 }).view(1, 3, 1, 1);

        var fromBytes = ResNet18.Preprocess(rgb).data<float>().ToArray();
        var fromFloats = ResNet18.Preprocess(rgb.to(ScalarType.Float32).div(255f)).data<float>().ToArray();

        Assert.Equal([30 - 103.06f, 20 - 115.90f, 10 - 123.15f], fromBytes);
        Assert.Equal(fromBytes, fromFloats, new Tolerance(1e-4f));
    }

    [Fact]
    public void Batch_norm_statistics_are_the_average_over_the_batches_and_modes_are_restored()
    {
        using var scope = NewDisposeScope();
        using var model = new ResNet18();
        model.train();
        var generator = new Generator(3);
        var batches = Enumerable.Range(0, 3).Select(i => randn([2, 3, 32, 32], generator: generator).add(i)).ToList();

        model.RecomputeBatchNormStatistics(batches);

        // bn1 sees conv1's output; its running mean is the mean of the per-batch channel means.
        var conv1 = (nn.Module<torch.Tensor, torch.Tensor>)model.named_modules().Single(m => m.name == "conv1").module;
        using var noGrad = no_grad();
        var perBatch = batches.Select(b => conv1.call(b).mean([0, 2, 3])).ToList();
        var expected = stack(perBatch).mean([0]);
        var runningMean = model.state_dict()["bn1.running_mean"];
        Assert.True(allclose(runningMean, expected, rtol: 1e-4, atol: 1e-5), "bn1.running_mean is not the average");
        Assert.True(model.training);
        Assert.All(model.modules(), m => Assert.True(m.training));
    }

    [Fact]
    public void A_missing_model_file_names_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir", "ResNet18.onnx");
        var error = Assert.Throws<FileNotFoundException>(() => ResNet18Onnx.Load(path, CPU));
        Assert.Contains(path, error.Message);
    }

    private sealed class Tolerance(float epsilon) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(float value) => 0;
    }
}
