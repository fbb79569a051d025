using Microsoft.CodeAnalysis;

namespace Ham.Generators.Tests;

public sealed class DiagnosticTests
{
    private const string Vision = """
        "vision_cfg": { "image_size": 224, "layers": 2, "width": 64, "patch_size": 32 }
        """;

    private const string Text = """
        "text_cfg": { "context_length": 77, "vocab_size": 100, "width": 64, "heads": 2, "layers": 2 }
        """;

    // Each bad spec, the id it must raise, and the text its diagnostic must point at.
    public static TheoryData<string, string, string> BadSpecs => new()
    {
        { "{ \"embed_dim\": 64,, }", "HAM0001", "," },
        { "[1, 2]", "HAM0001", "[1, 2]" },
        { $$"""{ {{Vision}}, {{Text}} }""", "HAM0002", "{" },
        { $$"""{ "embed_dim": 64, "vision_cfg": { "image_size": 224, "width": 64, "patch_size": 32 }, {{Text}} }""",
            "HAM0002", "{" },
        { $$"""{ "embed_dim": -64, {{Vision}}, {{Text}} }""", "HAM0003", "-64" },
        { $$"""{ "embed_dim": 64.5, {{Vision}}, {{Text}} }""", "HAM0003", "64.5" },
        { $$"""{ "embed_dim": 64, {{Vision}}, "text_cfg": { "context_length": 77, "vocab_size": 100, "width": 100, "heads": 3, "layers": 2 } }""",
            "HAM0004", "3" },
        { $$"""{ "embed_dim": 64, "vision_cfg": { "image_size": 224, "layers": 2, "width": 96, "patch_size": 32 }, {{Text}} }""",
            "HAM0004", "96" },
        { $$"""{ "embed_dim": 64, {{Vision}}, {{Text}}, "ham": { "trained": ["visual.attn"] } }""",
            "HAM0005", "\"visual.attn\"" },
        { $$"""{ "embed_dim": 64, {{Vision}}, {{Text}}, "ham": { "groups": { "mine": ["visual.mlp", "visual.nope.weight"] } } }""",
            "HAM0005", "\"visual.nope.weight\"" },
        { $$"""{ "embed_dim": 64, "vision_cfg": { "image_size": 224, "layers": [3, 4, 6, 3], "width": 64, "patch_size": 32 }, {{Text}} }""",
            "HAM0007", "[3, 4, 6, 3]" },
        { $$"""{ "embed_dim": 64, "vision_cfg": { "image_size": 224, "layers": 2, "width": 64, "patch_size": 30 }, {{Text}} }""",
            "HAM0008", "30" },
        { $$"""{ "embed_dim": 64, {{Vision}}, {{Text}}, "ham": { "groups": { "visual": ["visual.mlp"] } } }""",
            "HAM0009", "\"visual\"" },
        { """{ "resnet_cfg": { "block": "bottleneck", "layers": [3, 4, 6, 3], "width": 64, "image_size": 224 } }""",
            "HAM0007", "\"bottleneck\"" },
        { """{ "resnet_cfg": { "layers": [2, 2, 2], "width": 64, "image_size": 224 } }""",
            "HAM0003", "[2, 2, 2]" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void Bad_spec_reports_its_diagnostic_at_the_offending_text(string json, string id, string pointedAt)
    {
        var path = Path.Combine("specs", "bad.json");
        var (result, _) = GeneratorHarness.Run(new SpecFile(path, json));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(path, diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(pointedAt, json.Substring(diagnostic.Location.SourceSpan.Start, pointedAt.Length));
        Assert.Contains("bad.json", diagnostic.GetMessage());
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName.StartsWith("ClipSpecs."));
    }

    [Fact]
    public void Location_carries_line_and_column_in_the_spec_file()
    {
        var json = "{\n  \"embed_dim\": 64,\n  \"vision_cfg\": { \"image_size\": 224, \"layers\": 2, \"width\": -8, " +
            "\"patch_size\": 32 },\n  \"text_cfg\": {}\n}";
        var (result, _) = GeneratorHarness.Run(new SpecFile("specs/lines.json", json));

        var negative = result.Diagnostics.Single(d => d.Id == "HAM0003");
        var span = negative.Location.GetLineSpan();
        Assert.Equal(2, span.StartLinePosition.Line);
        Assert.Equal(json.Split('\n')[2].IndexOf("-8", StringComparison.Ordinal), span.StartLinePosition.Character);
        Assert.Contains("vision_cfg.width", negative.GetMessage());
        Assert.Contains("-8", negative.GetMessage());
    }

    [Fact]
    public void Missing_fields_are_all_reported_at_once()
    {
        var json = $$"""{ "embed_dim": 64, {{Vision}}, "text_cfg": { "context_length": 77, "width": 64 } }""";
        var (result, _) = GeneratorHarness.Run(new SpecFile("specs/partial.json", json));

        var missing = result.Diagnostics.Where(d => d.Id == "HAM0002").Select(d => d.GetMessage()).ToList();
        Assert.Equal(3, missing.Count);
        Assert.Contains(missing, m => m.Contains("text_cfg.vocab_size"));
        Assert.Contains(missing, m => m.Contains("text_cfg.heads"));
        Assert.Contains(missing, m => m.Contains("text_cfg.layers"));
    }

    [Fact]
    public void Two_files_with_one_spec_name_report_a_duplicate_and_keep_the_first()
    {
        var spec = GeneratorHarness.Shipped("ViT-B-16.json").Text;
        var (result, output) = GeneratorHarness.Run(
            new SpecFile("a/ViT-B-16.json", spec), new SpecFile("b/vit_b_16.json", spec));

        var duplicate = Assert.Single(result.Diagnostics);
        Assert.Equal("HAM0006", duplicate.Id);
        Assert.Equal("b/vit_b_16.json", duplicate.Location.GetLineSpan().Path);
        Assert.Contains("a/ViT-B-16.json", duplicate.GetMessage());
        Assert.Single(result.GeneratedSources, s => s.HintName == "ClipSpecs.VitB16.g.cs");
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void A_bad_spec_does_not_stop_the_good_ones()
    {
        var (result, output) = GeneratorHarness.Run(
            GeneratorHarness.Shipped("clip-tiny.json"), new SpecFile("specs/broken.json", "{"));

        Assert.Equal("HAM0001", Assert.Single(result.Diagnostics).Id);
        Assert.Contains(result.GeneratedSources, s => s.HintName == "ClipSpecs.ClipTiny.g.cs");
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Theory]
    [InlineData("ViT-B-16", "VitB16")]
    [InlineData("ViT-L-14-336", "VitL14_336")]
    [InlineData("clip-tiny", "ClipTiny")]
    [InlineData("resnet18", "Resnet18")]
    [InlineData("32-bit", "Spec32Bit")]
    public void Spec_names_become_pascal_case_identifiers(string name, string identifier) =>
        Assert.Equal(identifier, SpecParser.Identifier(name));
}
