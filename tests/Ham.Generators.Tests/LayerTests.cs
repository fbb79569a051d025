using Microsoft.CodeAnalysis;
using Snapshooter;
using Snapshooter.Xunit;

namespace Ham.Generators.Tests;

public sealed class LayerTests
{
    private const string Namespace = "Test.Layers";

    private static readonly string HandWritten =
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "HandWrittenLayers.cs.txt"));

    private static (GeneratorRunResult Result, Compilation Output) RunWithLayers(string? ns = Namespace)
    {
        var compilation = GeneratorHarness.EmptyCompilation(HandWritten)
            .WithReferences(GeneratorHarness.TorchReferences);
        return GeneratorHarness.Run(compilation, ns, GeneratorHarness.Shipped("clip-tiny.json"));
    }

    public static TheoryData<string> LayerSources => new(
        ["ClipAttention", "ClipMlp", "ResidualAttentionBlock", "ClipTransformer", "ClipVisionTransformer",
            "ClipModel", "LayerTensors"]);

    [Theory]
    [MemberData(nameof(LayerSources))]
    public void Generated_layer_source_matches_snapshot(string className)
    {
        var (result, _) = RunWithLayers();

        var source = GeneratorHarness.Generated(result, $"Layers.{Namespace}.{className}.g.cs");
        Snapshot.Match(source, SnapshotNameExtension.Create($"Layers.{className}.g.cs"));
    }

    [Theory]
    [InlineData("BasicBlock")]
    [InlineData("ResNet18")]
    public void Generated_resnet_layer_source_matches_snapshot(string className)
    {
        var (result, _) = RunWithResNetLayers();

        var source = GeneratorHarness.Generated(result, $"Layers.Test.ResNet.{className}.g.cs");
        Snapshot.Match(source, SnapshotNameExtension.Create($"Layers.{className}.g.cs"));
    }

    [Fact]
    public void Generated_resnet_layers_with_their_hand_written_halves_compile_without_warnings()
    {
        var (result, output) = RunWithResNetLayers();

        Assert.Empty(result.Diagnostics);
        Assert.Equal(3, result.GeneratedSources.Count(s => s.HintName.StartsWith("Layers.")));
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static (GeneratorRunResult Result, Compilation Output) RunWithResNetLayers()
    {
        var handWritten = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "HandWrittenResNet.cs.txt"));
        var compilation = GeneratorHarness.EmptyCompilation(handWritten)
            .WithReferences(GeneratorHarness.TorchReferences);
        return GeneratorHarness.Run(compilation, null, "Test.ResNet", GeneratorHarness.Shipped("resnet18.json"));
    }

    [Fact]
    public void Generated_layers_with_their_hand_written_halves_compile_without_warnings()
    {
        var (result, output) = RunWithLayers();

        Assert.Empty(result.Diagnostics);
        Assert.Equal(7, result.GeneratedSources.Count(s => s.HintName.StartsWith("Layers.")));
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Without_a_layer_namespace_no_layer_code_is_generated()
    {
        var (result, _) = RunWithLayers(ns: null);

        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName.StartsWith("Layers."));
        Assert.Contains(result.GeneratedSources, s => s.HintName == "ClipSpecs.ClipTiny.g.cs");
    }

    [Fact]
    public void A_hand_written_half_that_misnames_a_checkpoint_field_does_not_compile()
    {
        var broken = HandWritten.Replace("c_proj.forward(c_fc.forward(x))", "c_proj.forward(fc1.forward(x))");
        var compilation = GeneratorHarness.EmptyCompilation(broken).WithReferences(GeneratorHarness.TorchReferences);
        var (_, output) = GeneratorHarness.Run(compilation, Namespace, GeneratorHarness.Shipped("clip-tiny.json"));

        Assert.Contains(output.GetDiagnostics(),
            d => d.Severity == DiagnosticSeverity.Error && d.GetMessage().Contains("fc1"));
    }
}
