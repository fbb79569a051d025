using System.Text.Json;
using Ham.Algorithms;
using Ham.Cli.Commands;
using Ham.Model.Checkpoints;
using Spectre.Console.Cli;
using TorchSharp;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class MergeCommandTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"ham-merge-tests-{Guid.NewGuid():N}");

    public MergeCommandTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string File(string name) => Path.Combine(folder, name);

    private static int Run(params string[] args) => HamApp.Create(propagateExceptions: true).Run(args);

    // θ0 and K models with two blocks of a layer, a head and an int64 buffer; model k = θ0 + noise of seed k.
    private static Dictionary<string, torch.Tensor> Checkpoint(int seed, IReadOnlyDictionary<string, torch.Tensor>?
        pretrained = null)
    {
        var generator = new torch.Generator((ulong)(seed + 100));
        (string Key, long[] Shape)[] shapes =
            [("layer.0.weight", [6, 5]), ("layer.0.bias", [6]), ("layer.1.weight", [4, 6]), ("head.weight", [3, 4])];
        var model = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach (var (key, shape) in shapes)
        {
            var noise = torch.randn(shape, generator: generator);
            model[key] = pretrained is null ? noise : pretrained[key] + noise.mul_(0.1);
        }
        model["layer.0.steps"] = torch.tensor(new long[] { 10 + seed });
        return model;
    }

    private (Dictionary<string, torch.Tensor> Pretrained, List<IReadOnlyDictionary<string, torch.Tensor>> Models,
        string[] Paths) Inputs(int count)
    {
        var pretrained = Checkpoint(0);
        Safetensors.Write(File("base.safetensors"), pretrained);
        var models = new List<IReadOnlyDictionary<string, torch.Tensor>>();
        var paths = new List<string>();
        for (var k = 1; k <= count; k++)
        {
            var model = Checkpoint(k, pretrained);
            Safetensors.Write(File($"m{k}.safetensors"), model);
            models.Add(model);
            paths.Add(File($"m{k}.safetensors"));
        }
        return (pretrained, models, paths.ToArray());
    }

    // The parameter groups `ham merge` forms by default: keys of the same module.
    private static readonly ParameterGroup[] ModuleGroups =
        [new("layer.0", ["layer.0.weight", "layer.0.bias", "layer.0.steps"]), new("layer.1", ["layer.1.weight"]),
            new("head", ["head.weight"])];

    public static TheoryData<string[], string> Methods => new()
    {
        { ["--method", "ties", "--density", "0.4", "--lambda", "0.9"], "ties" },
        { ["--method", "task-arithmetic", "--lambda", "0.5"], "task-arithmetic" },
        { ["--method", "soup"], "soup" },
        { ["--method", "dare", "--drop-rate", "0.3", "--seed", "5", "--inner", "ties", "--density", "0.5"], "dare" },
        { ["--method", "rhm", "--density", "0.5"], "rhm" },
        { ["--method", "rhm", "--density", "0.5", "--uniform-weights"], "rhm" },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Streamed_merge_equals_the_merge_in_memory(string[] options, string name)
    {
        var (pretrained, models, paths) = Inputs(3);
        var exitCode = Run(["merge", .. options, "--base", File("base.safetensors"), "--models", .. paths,
            "--out", File("merged.safetensors")]);
        Assert.Equal(0, exitCode);

        var settings = new MergeCommand.Settings
        {
            Method = name, Lambda = Value(options, "--lambda"), Density = Value(options, "--density"),
            DropRate = Value(options, "--drop-rate"), Seed = (long)(Value(options, "--seed") ?? 0),
            Inner = options.Contains("--inner") ? "ties" : "task-arithmetic",
            UniformWeights = options.Contains("--uniform-weights"),
        };
        var expected = Merge.Models(MergeCommand.MethodOf(settings), pretrained, models, ModuleGroups);
        var merged = Safetensors.ReadAll(File("merged.safetensors"));
        Assert.Equal(expected.Keys.Order(), merged.Keys.Order());
        foreach (var (key, tensor) in expected)
        {
            Assert.Equal(tensor.dtype, merged[key].dtype);
            Assert.True(SameBits(tensor, merged[key]), $"{name}: tensor '{key}' differs");
        }
        Assert.Equal(10L, merged["layer.0.steps"].item<long>());
    }

    [Theory]
    [InlineData("ties", "1.5")]
    [InlineData("task-arithmetic", "2")]
    [InlineData("rhm", "1.5")]
    public void Batch_norm_statistics_are_averaged_so_that_no_variance_turns_negative(string method, string lambda)
    {
        // Every model lowers a variance that θ0 has at 1 to 0.1: as a task vector (-0.9 each) merged with λ > 1
        // it would be negative.
        var pretrained = Checkpoint(0);
        pretrained["layer.0.running_mean"] = torch.zeros(6);
        pretrained["layer.0.running_var"] = torch.ones(6);
        Safetensors.Write(File("base.safetensors"), pretrained);
        var paths = new List<string>();
        for (var k = 1; k <= 2; k++)
        {
            var model = Checkpoint(k, pretrained);
            model["layer.0.running_mean"] = torch.full(6, (float)k);
            model["layer.0.running_var"] = torch.full(6, 0.1f * k);
            Safetensors.Write(File($"m{k}.safetensors"), model);
            paths.Add(File($"m{k}.safetensors"));
        }

        Assert.Equal(0, Run(["merge", "--method", method, "--lambda", lambda, "--base", File("base.safetensors"),
            "--models", .. paths, "--out", File("merged.safetensors")]));

        var merged = Safetensors.ReadAll(File("merged.safetensors"));
        Assert.Equal(Enumerable.Repeat(1.5f, 6), merged["layer.0.running_mean"].data<float>().ToArray());
        Assert.All(merged["layer.0.running_var"].data<float>().ToArray(), v => Assert.Equal(0.15f, v, 1e-6f));
        Assert.NotEqual(merged["layer.0.weight"].data<float>().ToArray(),
            pretrained["layer.0.weight"].data<float>().ToArray());
    }

    [Fact]
    public void Output_records_the_options_and_the_inputs_sha256()
    {
        var (_, _, paths) = Inputs(2);
        Run("merge", "--method", "ties", "--base", File("base.safetensors"), "--models", paths[0], paths[1],
            "--out", File("merged.safetensors"), "--dtype", "F16");
        using var merged = SafetensorsFile.Open(File("merged.safetensors"));
        Assert.Equal(SafetensorsDType.F16, merged["head.weight"].DType);
        Assert.Equal(SafetensorsDType.I64, merged["layer.0.steps"].DType);

        using var options = JsonDocument.Parse(merged.Metadata["ham.merge.options"]);
        Assert.Equal("ties", options.RootElement.GetProperty("method").GetString());
        Assert.Equal("F16", options.RootElement.GetProperty("dtype").GetString());
        using var inputs = JsonDocument.Parse(merged.Metadata["ham.merge.inputs"]);
        var hashes = inputs.RootElement.EnumerateArray().Select(i => i.GetProperty("sha256").GetString()).ToList();
        var expected = new[] { File("base.safetensors"), paths[0], paths[1] }
            .Select(p => System.Security.Cryptography.SHA256.HashData(System.IO.File.ReadAllBytes(p)))
            .Select(Convert.ToHexStringLower);
        Assert.Equal(expected, hashes);
    }

    [Fact]
    public void Mismatched_headers_are_one_error_listing_all_and_no_output_is_written()
    {
        var (pretrained, _, paths) = Inputs(1);
        var odd = Checkpoint(2, pretrained);
        odd.Remove("head.weight");
        odd["extra.weight"] = torch.zeros(2);
        odd["layer.1.weight"] = torch.zeros(5, 6);
        Safetensors.Write(File("odd.safetensors"), odd);

        var error = Assert.Throws<InvalidDataException>(() => Run("merge", "--method", "soup", "--base",
            File("base.safetensors"), "--models", paths[0], File("odd.safetensors"),
            "--out", File("merged.safetensors")));
        Assert.Contains("'head.weight' is missing", error.Message);
        Assert.Contains("'extra.weight' is extra", error.Message);
        Assert.Contains("'layer.1.weight' has shape [5, 6], expected [4, 6]", error.Message);
        Assert.Contains("odd.safetensors", error.Message);
        Assert.False(System.IO.File.Exists(File("merged.safetensors")));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Out_of_range_options_are_refused_by_name_before_any_file_is_read()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Run("merge", "--method", "ties", "--density",
            "1.5", "--base", File("none.safetensors"), "--models", File("none.safetensors"), "--out", File("o")));
        Assert.Equal("--density", error.ParamName);
        Assert.Throws<ArgumentException>(() => Run("merge", "--method", "magic", "--base", "b", "--models", "m",
            "--out", "o"));
    }

    [Fact]
    public void A_missing_input_file_is_named()
    {
        var error = Assert.Throws<FileNotFoundException>(() => Run("merge", "--method", "soup", "--base",
            File("none.safetensors"), "--models", File("m.safetensors"), "--out", File("merged.safetensors")));
        Assert.Contains("none.safetensors", error.Message);
    }

    [Fact]
    public void A_nan_in_a_model_is_an_error_naming_the_key_and_no_output_is_written()
    {
        var (pretrained, _, paths) = Inputs(1);
        var bad = Checkpoint(2, pretrained);
        bad["layer.1.weight"][0, 0] = torch.tensor(float.NaN);
        Safetensors.Write(File("bad.safetensors"), bad);
        var error = Assert.Throws<InvalidDataException>(() => Run("merge", "--method", "ties", "--base",
            File("base.safetensors"), "--models", paths[0], File("bad.safetensors"),
            "--out", File("merged.safetensors")));
        Assert.Contains("'layer.1.weight'", error.Message);
        Assert.False(System.IO.File.Exists(File("merged.safetensors")));
    }

    private static bool SameBits(torch.Tensor a, torch.Tensor b)
    {
        using var x = a.contiguous();
        using var y = b.contiguous();
        return a.shape.SequenceEqual(b.shape) && x.bytes.SequenceEqual(y.bytes);
    }

    private static double? Value(string[] options, string name)
    {
        var index = Array.IndexOf(options, name);
        return index < 0 ? null : double.Parse(options[index + 1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
