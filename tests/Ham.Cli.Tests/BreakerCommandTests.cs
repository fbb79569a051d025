using System.Text;
using Ham.Cli;
using Ham.Cli.Commands;
using Ham.Model.Checkpoints;
using Spectre.Console.Cli;
using TorchSharp;
using Xunit;

namespace Ham.Cli.Tests;

/// <summary>Bad input to `ham merge` and `ham tokenize`: errors that name what and where, inputs never lost.</summary>
public sealed class BreakerCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("ham-breaker-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string PathOf(string name) => Path.Combine(folder, name);

    private static int Run(params string[] args) => HamApp.Create(propagateExceptions: true).Run(args);

    private string Checkpoint(string name, float[] weight, torch.Tensor? bias = null)
    {
        var path = PathOf(name);
        using var w = torch.tensor(weight);
        using var b = bias ?? torch.tensor(new float[] { 0, 0 });
        Safetensors.Write(path, new Dictionary<string, torch.Tensor> { ["layer.weight"] = w, ["layer.bias"] = b });
        return path;
    }

    [Fact]
    public void Merge_refuses_an_output_that_is_one_of_its_inputs_and_leaves_the_input_intact()
    {
        var pretrained = Checkpoint("base.safetensors", [1, 2, 3]);
        var model = Checkpoint("model.safetensors", [2, 2, 4]);
        var before = File.ReadAllBytes(model);

        var error = Assert.Throws<ArgumentException>(() =>
            Run("merge", "--method", "soup", "--base", pretrained, "--models", model, "--out", model));

        Assert.Contains("--out", error.Message);
        Assert.Equal(before, File.ReadAllBytes(model));
        Assert.Equal(2, Directory.GetFiles(folder).Length);
    }

    [Fact]
    public void Merge_refuses_an_output_that_is_an_input_reached_through_a_linked_folder_above_its_own()
    {
        // real/sub/model.safetensors is the input; link -> real, so link/sub/model.safetensors is the same file,
        // though its own folder (link/sub) is no link.
        Directory.CreateDirectory(PathOf("real/sub"));
        var model = Checkpoint("real/sub/model.safetensors", [2, 2, 4]);
        var pretrained = Checkpoint("base.safetensors", [1, 2, 3]);
        Directory.CreateSymbolicLink(PathOf("link"), PathOf("real"));
        var before = File.ReadAllBytes(model);

        var error = Assert.Throws<ArgumentException>(() => Run("merge", "--method", "soup", "--base", pretrained,
            "--models", model, "--out", PathOf("link/sub/model.safetensors")));

        Assert.Contains("--out", error.Message);
        Assert.Equal(before, File.ReadAllBytes(model));
    }

    [Fact]
    public void Merge_names_the_file_that_holds_a_nan()
    {
        var pretrained = Checkpoint("base.safetensors", [1, 2, 3]);
        var good = Checkpoint("good.safetensors", [2, 2, 4]);
        var bad = Checkpoint("bad.safetensors", [2, float.NaN, 4]);

        var error = Assert.Throws<InvalidDataException>(() => Run("merge", "--method", "ties", "--base", pretrained,
            "--models", good, bad, "--out", PathOf("out.safetensors")));

        Assert.Contains(bad, error.Message);
        Assert.Contains("'layer.weight'", error.Message);
        Assert.False(File.Exists(PathOf("out.safetensors")));
    }

    [Fact]
    public void Merge_names_the_command_line_option_of_an_out_of_range_value()
    {
        var pretrained = Checkpoint("base.safetensors", [1, 2, 3]);
        var model = Checkpoint("model.safetensors", [2, 2, 4]);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Run("merge", "--method", "ties", "--base",
            pretrained, "--models", model, "--density", "1.5", "--out", PathOf("out.safetensors")));

        Assert.Equal("--density", error.ParamName);
        Assert.StartsWith("--density must be in [0, 1]", Log.Describe(error).Message);
    }

    [Fact]
    public void Merge_refuses_an_integer_tensor_where_the_base_has_a_float_one()
    {
        var pretrained = Checkpoint("base.safetensors", [1, 2, 3]);
        var model = Checkpoint("model.safetensors", [2, 2, 4], torch.tensor(new[] { 1, 2 }));

        var error = Assert.Throws<InvalidDataException>(() => Run("merge", "--method", "ties", "--base", pretrained,
            "--models", model, "--out", PathOf("out.safetensors")));

        Assert.Contains("'layer.bias' is I32", error.Message);
    }

    [Fact]
    public void Tokenize_refuses_an_output_that_is_its_input()
    {
        var input = PathOf("texts.jsonl");
        File.WriteAllText(input, "{\"text\": \"a dog\"}\n");

        Assert.Throws<ArgumentException>(() => Run("tokenize", "--jsonl", input, "--out", input));

        Assert.Equal("{\"text\": \"a dog\"}\n", File.ReadAllText(input));
    }

    [Theory]
    [InlineData("{\"text\": \"a\", \"text\": \"b\"}")]  // a duplicate key surfaces only when the row is read
    [InlineData("{\"text\": \"\\ud800\"}")]            // a lone surrogate cannot become a .NET string
    [InlineData("{\"text\": \"a\", \"note\": \"\\udc00\"}")]
    public void Tokenize_names_the_file_and_line_of_a_bad_row(string badLine)
    {
        var input = PathOf("texts.jsonl");
        File.WriteAllText(input, "{\"text\": \"fine\"}\n" + badLine + "\n");

        var error = Assert.Throws<InvalidDataException>(() =>
            Run("tokenize", "--jsonl", input, "--out", PathOf("ids.jsonl")));

        Assert.StartsWith($"{input}:2:", error.Message);
        Assert.False(File.Exists(PathOf("ids.jsonl")));
    }

    [Fact]
    public void Tokenize_refuses_bytes_that_are_not_utf8_naming_the_line()
    {
        var input = PathOf("texts.jsonl");
        File.WriteAllBytes(input, [.. "{\"text\": \"ok\"}\n{\"text\": \""u8, 0xFF, .. "\"}\n"u8]);

        var error = Assert.Throws<InvalidDataException>(() =>
            Run("tokenize", "--jsonl", input, "--out", PathOf("ids.jsonl")));

        Assert.StartsWith($"{input}:2: not valid UTF-8", error.Message);
    }

    [Fact]
    public void An_error_drops_the_dotnet_parameter_suffixes()
    {
        var error = new ArgumentOutOfRangeException("--drop-rate", -1.0, "--drop-rate must be in [0, 1], got -1");

        var (message, code) = Log.Describe(error);

        Assert.Equal("--drop-rate must be in [0, 1], got -1", message);
        Assert.Equal(1, code);
    }

    [Fact]
    public void Dg_refuses_an_unknown_target_before_it_writes_anything()
    {
        using var data = new DataTestFolder();
        var root = TrainingFixtures.SyntheticData(data, imagesPerClass: 2);
        var run = PathOf("run");

        var error = Assert.Throws<ArgumentException>(() =>
            Run("dg", "--data", root, "--targets", "skecth", "--steps", "1", "--out", run));

        Assert.StartsWith("--targets: 'skecth' is not a domain", error.Message);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Dg_refuses_a_repeated_target_before_it_writes_anything()
    {
        // A repeated target would be one more column of the table and count twice in its average.
        using var data = new DataTestFolder();
        var root = TrainingFixtures.SyntheticData(data, imagesPerClass: 2);
        var run = PathOf("run");

        var error = Assert.Throws<ArgumentException>(() => Run("dg", "--data", root, "--targets", "sketch,photo,sketch",
            "--methods", "zeroshot", "--steps", "1", "--out", run));

        Assert.Equal("--targets: 'sketch' is given twice", error.Message);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Dg_refuses_data_with_a_single_domain_before_it_writes_anything()
    {
        // Leave-one-domain-out needs a source domain beside the target (this failed with "tensors" after the run
        // directory had its options and checkpoints folder).
        using var data = new DataTestFolder();
        var root = TrainingFixtures.SyntheticData(data, imagesPerClass: 2);
        foreach (var domain in Directory.GetDirectories(root).Where(d => Path.GetFileName(d) != "sketch"))
            Directory.Delete(domain, recursive: true);
        var run = PathOf("run");

        var error = Assert.Throws<ArgumentException>(() =>
            Run("dg", "--data", root, "--methods", "zeroshot,erm", "--steps", "1", "--out", run));

        Assert.StartsWith("--data: leave-one-domain-out needs at least two domains", error.Message);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Merge_takes_the_pseudo_inverse_redundancy_rule_and_refuses_an_unknown_one()
    {
        var pretrained = Checkpoint("base.safetensors", [1, 2, 3]);
        var a = Checkpoint("a.safetensors", [2, 2, 4]);
        var b = Checkpoint("b.safetensors", [1, 3, 4]);

        Assert.Equal(0, Run("merge", "--method", "rhm", "--redundancy", "pseudo-inverse", "--base", pretrained,
            "--models", a, b, a, "--out", PathOf("out.safetensors")));
        var error = Assert.Throws<ArgumentException>(() => Run("merge", "--method", "rhm", "--redundancy", "exact",
            "--base", pretrained, "--models", a, b, "--out", PathOf("other.safetensors")));

        Assert.StartsWith("--redundancy must be row-sum or pseudo-inverse, got 'exact'", error.Message);
        Assert.False(File.Exists(PathOf("other.safetensors")));
    }
}
