using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ham.Generators.Tests;

public sealed class CachingTests
{
    private static readonly string[] TrackedSteps =
    {
        SpecGenerator.Steps.Source, SpecGenerator.Steps.Parse, SpecGenerator.Steps.Resolve,
        SpecGenerator.Steps.Spec, SpecGenerator.Steps.Index, SpecGenerator.Steps.GroupType,
        SpecGenerator.Steps.LayerOptions,
    };

    [Fact]
    public void Second_run_on_unchanged_input_takes_every_tracked_step_from_the_cache()
    {
        var files = GeneratorHarness.ShippedSpecs.Select(GeneratorHarness.Shipped).ToList();
        var texts = files.Select(GeneratorHarness.Text).ToList();
        var compilation = GeneratorHarness.EmptyCompilation("namespace Unrelated { public sealed class A { } }");
        var driver = GeneratorHarness.Driver(texts, trackSteps: true).RunGenerators(compilation);

        // As when the IDE re-reads the files: new text objects with the same content, and an unrelated code edit.
        foreach (var (text, file) in texts.Zip(files))
        {
            driver = driver.ReplaceAdditionalText(text, GeneratorHarness.Text(file));
        }

        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Unrelated { class B { } }"));
        var second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in TrackedSteps)
        {
            Assert.True(second.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            var reasons = second.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(
                r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {step} output was {r}"));
        }

        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void Editing_one_spec_reparses_and_reemits_only_that_spec()
    {
        var tiny = GeneratorHarness.Shipped("clip-tiny.json");
        var b16 = GeneratorHarness.Shipped("ViT-B-16.json");
        var texts = new[] { GeneratorHarness.Text(tiny), GeneratorHarness.Text(b16) };
        var compilation = GeneratorHarness.EmptyCompilation();
        var driver = GeneratorHarness.Driver(texts, trackSteps: true).RunGenerators(compilation);

        var edited = tiny with { Text = tiny.Text.Replace("\"embed_dim\": 64", "\"embed_dim\": 32") };
        driver = driver.ReplaceAdditionalText(texts[0], GeneratorHarness.Text(edited));
        var second = driver.RunGenerators(compilation).GetRunResult().Results.Single();

        var parses = Reasons(second, SpecGenerator.Steps.Parse);
        Assert.Equal(1, parses.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, parses.Count(r => r == IncrementalStepRunReason.Cached));
        var specs = Reasons(second, SpecGenerator.Steps.Spec);
        Assert.Equal(1, specs.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(1, specs.Count(r => r == IncrementalStepRunReason.Unchanged));
        Assert.Contains("EmbedDim: 32,", GeneratorHarness.Generated(second, "ClipSpecs.ClipTiny.g.cs"));
    }

    [Fact]
    public void Reformatting_a_spec_reparses_it_to_an_equal_model_and_emits_nothing_new()
    {
        var tiny = GeneratorHarness.Shipped("clip-tiny.json");
        var texts = new[] { GeneratorHarness.Text(tiny) };
        var driver = GeneratorHarness.Driver(texts, trackSteps: true)
            .RunGenerators(GeneratorHarness.EmptyCompilation());

        // Trailing blank lines change the text but not the model (the spec still starts at the same brace).
        driver = driver.ReplaceAdditionalText(texts[0], GeneratorHarness.Text(tiny with { Text = tiny.Text + "\n\n" }));
        var second = driver.RunGenerators(GeneratorHarness.EmptyCompilation()).GetRunResult().Results.Single();

        Assert.Equal(IncrementalStepRunReason.Modified, Reason(second, SpecGenerator.Steps.Source));
        Assert.Equal(IncrementalStepRunReason.Unchanged, Reason(second, SpecGenerator.Steps.Parse));
        Assert.Equal(IncrementalStepRunReason.Cached, Reason(second, SpecGenerator.Steps.Spec));
        Assert.Equal(IncrementalStepRunReason.Cached, Reason(second, SpecGenerator.Steps.Index));
    }

    private static List<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    private static IncrementalStepRunReason Reason(GeneratorRunResult result, string step) =>
        Reasons(result, step).Single();
}
