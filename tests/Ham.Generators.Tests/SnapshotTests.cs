using Microsoft.CodeAnalysis;
using Snapshooter;
using Snapshooter.Xunit;

namespace Ham.Generators.Tests;

public sealed class SnapshotTests
{
    public static TheoryData<string> ShippedSpecs => new(GeneratorHarness.ShippedSpecs);

    private static SpecFile[] AllShipped() => GeneratorHarness.ShippedSpecs.Select(GeneratorHarness.Shipped).ToArray();

    [Theory]
    [MemberData(nameof(ShippedSpecs))]
    public void Generated_spec_source_matches_snapshot(string fileName)
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Shipped(fileName));

        Assert.Empty(result.Diagnostics);
        var spec = result.GeneratedSources.Single(s =>
            s.HintName.StartsWith("ClipSpecs.") || s.HintName.StartsWith("ResNetSpecs."));
        var name = SnapshotNameExtension.Create(Path.GetFileNameWithoutExtension(fileName));
        Snapshot.Match(spec.SourceText.ToString(), name);
    }

    [Fact]
    public void Index_of_all_shipped_specs_matches_snapshot()
    {
        var (result, _) = GeneratorHarness.Run(AllShipped());

        Assert.Empty(result.Diagnostics);
        Snapshot.Match(GeneratorHarness.Generated(result, "Specs.Index.g.cs"));
    }

    [Fact]
    public void All_shipped_specs_compile_without_warnings()
    {
        var (result, output) = GeneratorHarness.Run(AllShipped());

        Assert.Empty(result.Diagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(GeneratorHarness.ShippedSpecs.Count + 1 + 5, result.GeneratedSources.Length);
    }
}
