using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Ham.Generators.Tests;

/// <summary>Runs the spec generator on in-memory spec files and compiles what it produced.</summary>
internal static class GeneratorHarness
{
    // The shipped specs travel with the test binaries (see the csproj), so any artifacts path works.
    public static readonly string SpecsFolder = Path.Combine(AppContext.BaseDirectory, "specs");

    public static IReadOnlyList<string> ShippedSpecs { get; } =
        Directory.GetFiles(SpecsFolder, "*.json").Select(Path.GetFileName).OfType<string>().Order().ToList();

    public static IReadOnlyList<MetadataReference> References { get; } = LoadReferences();

    public static SpecFile Shipped(string fileName) =>
        new(Path.Combine(SpecsFolder, fileName), File.ReadAllText(Path.Combine(SpecsFolder, fileName)));

    public static CSharpCompilation EmptyCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "Ham.Model",
            sources.Select(s => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest))),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                    nullableContextOptions: NullableContextOptions.Enable)
                // As the SDK does: assembly-version unification notes are not warnings about the code.
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));

    public static AdditionalText Text(SpecFile file) => new InMemoryText(file.Path, file.Text);

    public static GeneratorDriver Driver(IEnumerable<SpecFile> files, bool trackSteps = false) =>
        Driver(files.Select(Text), trackSteps);

    public static GeneratorDriver Driver(IEnumerable<AdditionalText> texts, bool trackSteps = false,
        string? layerNamespace = null, string? resNetLayerNamespace = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new SpecGenerator().AsSourceGenerator() },
            texts,
            new CSharpParseOptions(LanguageVersion.Latest),
            new BuildProperties(new Dictionary<string, string?>
            {
                ["build_property.HamLayerNamespace"] = layerNamespace,
                ["build_property.HamResNetLayerNamespace"] = resNetLayerNamespace,
            }),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None,
                trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns its result and the compilation with the generated sources added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(params SpecFile[] files) =>
        Run(EmptyCompilation(), null, files);

    public static (GeneratorRunResult Result, Compilation Output) Run(Compilation compilation, string? layerNamespace,
        params SpecFile[] files) =>
        Run(compilation, layerNamespace, null, files);

    public static (GeneratorRunResult Result, Compilation Output) Run(Compilation compilation, string? layerNamespace,
        string? resNetLayerNamespace, params SpecFile[] files)
    {
        var driver = Driver(files.Select(Text), layerNamespace: layerNamespace,
                resNetLayerNamespace: resNetLayerNamespace)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>The framework plus TorchSharp's managed assembly (never loaded for execution).</summary>
    public static IReadOnlyList<MetadataReference> TorchReferences { get; } =
        References.Append(MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location)).ToList();

    public static string Generated(GeneratorRunResult result, string hintName) =>
        result.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        // Reference assemblies of the running framework when the SDK's targeting pack is there, else the runtime's.
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var version = Path.GetFileName(runtime);
        var root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var packs = Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref");
        var referenceFolder = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .Select(d => Path.Combine(d, "ref", $"net{Environment.Version.Major}.{Environment.Version.Minor}"))
                .Where(Directory.Exists)
                .OrderByDescending(d => d == Path.Combine(packs, version) ? 1 : 0)
                .FirstOrDefault()
            : null;
        var files = referenceFolder != null
            ? Directory.GetFiles(referenceFolder, "*.dll")
            : ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return files.Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)).ToImmutableArray();
    }

    /// <summary>MSBuild properties as the compiler passes them (build_property.X); null values are unset.</summary>
    private sealed class BuildProperties(Dictionary<string, string?> properties) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(properties);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options([]);

        private sealed class Options(Dictionary<string, string?> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string name, out string found)
            {
                found = values.TryGetValue(name, out var value) ? value ?? "" : "";
                return value is not null;
            }
        }
    }

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        private readonly SourceText source = SourceText.From(text);

        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => source;
    }
}

/// <summary>A spec file as the compiler would see it.</summary>
internal sealed record SpecFile(string Path, string Text);
