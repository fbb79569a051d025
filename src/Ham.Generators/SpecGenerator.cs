using System;
using System.Collections.Generic;
using System.Linq;
using Ham.Generators.Emitting;
using Ham.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Ham.Generators
{
    /// <summary>
    /// Turns architecture specs (*.json AdditionalFiles in open_clip's config format) into typed configs, key
    /// catalogues and parameter groups in Ham.Model.Specs. Pipeline: text -> parse (one file) -> resolve names (all
    /// files) -> emit (one spec); every value between the steps is equatable, so unchanged specs are not re-emitted.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class SpecGenerator : IIncrementalGenerator
    {
        public static class Steps
        {
            public const string Source = "SpecSource";
            public const string Parse = "SpecParse";
            public const string Resolve = "SpecResolve";
            public const string Spec = "Spec";
            public const string Index = "SpecIndex";
            public const string GroupType = "ParameterGroupType";
            public const string LayerOptions = "LayerOptions";
            public const string Layer = "Layer";
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            context.RegisterPostInitializationOutput(post =>
            {
                foreach (var (hintName, source) in RuntimeSources.All())
                {
                    post.AddSource(hintName, SourceText.From(source, System.Text.Encoding.UTF8));
                }
            });

            var sources = context.AdditionalTextsProvider
                .Where(text => text.Path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                .Select((text, ct) => new SpecSource(text.Path, text.GetText(ct)?.ToString() ?? ""))
                .WithTrackingName(Steps.Source);

            var parsed = sources
                .Select((source, ct) => SpecParser.Parse(source, ct))
                .WithTrackingName(Steps.Parse);

            var resolved = parsed
                .Collect()
                .Select((results, _) => Resolve(results))
                .WithTrackingName(Steps.Resolve);

            var specs = resolved
                .SelectMany((set, _) => set.Specs)
                .WithTrackingName(Steps.Spec);

            var index = resolved
                .Select((set, _) => new SpecIndexModel(
                    set.Specs.Where(s => s.Clip != null).Select(s => s.Identifier).ToEquatableArray(),
                    set.Specs.Where(s => s.ResNet != null).Select(s => s.Identifier).ToEquatableArray()))
                .WithTrackingName(Steps.Index);

            // Ham.Algorithms.ParameterGroup, when the compilation references it, gets conversions from SpecGroup.
            var hasParameterGroup = context.CompilationProvider
                .Select((compilation, _) => compilation.GetTypeByMetadataName(ParameterGroupEmitter.TypeName) != null)
                .WithTrackingName(Steps.GroupType);

            // Layer code is opt-in (MSBuild properties HamLayerNamespace for CLIP, HamResNetLayerNamespace for
            // ResNet-18, made visible with CompilerVisibleProperty): its partial classes need their hand-written
            // halves, which only that namespace holds.
            var layerNamespaces = context.AnalyzerConfigOptionsProvider
                .Select((options, _) => new LayerOptionsModel(
                    Option(options, "HamLayerNamespace"), Option(options, "HamResNetLayerNamespace")))
                .WithTrackingName(Steps.LayerOptions);

            var layers = layerNamespaces
                .SelectMany((options, _) => Kinds(options.Clip, Layouts.ClipLayers.Kinds)
                    .Concat(Kinds(options.ResNet, Layouts.ResNetLayers.Kinds)))
                .WithTrackingName(Steps.Layer);

            context.RegisterSourceOutput(layers, static (spc, layer) =>
                spc.AddSource(LayerEmitter.HintName(layer),
                    SourceText.From(LayerEmitter.Emit(layer.Namespace, layer.Kind), System.Text.Encoding.UTF8)));
            context.RegisterSourceOutput(layerNamespaces, static (spc, options) =>
            {
                foreach (var ns in new[] { options.Clip, options.ResNet }.Where(n => n.Length > 0).Distinct())
                {
                    spc.AddSource($"Layers.{ns}.LayerTensors.g.cs", Utf8(LayerEmitter.EmitSupport(ns)));
                }
            });
            context.RegisterSourceOutput(hasParameterGroup, static (spc, present) =>
            {
                if (present) spc.AddSource("Specs.ParameterGroups.g.cs", ParameterGroupEmitter.Emit());
            });
            context.RegisterSourceOutput(parsed, static (spc, result) =>
            {
                foreach (var diagnostic in result.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            });
            context.RegisterSourceOutput(resolved, static (spc, set) =>
            {
                foreach (var diagnostic in set.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            });
            context.RegisterSourceOutput(specs, static (spc, spec) =>
                spc.AddSource(SpecEmitter.HintName(spec), Utf8(SpecEmitter.Emit(spec))));
            context.RegisterSourceOutput(index, static (spc, model) =>
                spc.AddSource("Specs.Index.g.cs", Utf8(IndexEmitter.Emit(model))));
        }

        private static string Option(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider options,
            string property) =>
            options.GlobalOptions.TryGetValue("build_property." + property, out var value) ? value.Trim() : "";

        private static IEnumerable<LayerOutputModel> Kinds(string ns, EquatableArray<LayerKindModel> kinds) =>
            ns.Length == 0 ? Enumerable.Empty<LayerOutputModel>() : kinds.Select(kind => new LayerOutputModel(ns, kind));

        private static SourceText Utf8(string source) => SourceText.From(source, System.Text.Encoding.UTF8);

        /// <summary>
        /// Keeps the valid specs in path order; a spec whose identifier an earlier path already took is dropped with
        /// HAM0006 (two classes of one name could not compile).
        /// </summary>
        private static SpecSet Resolve(IEnumerable<ParseResult> results)
        {
            var kept = new List<SpecModel>();
            var diagnostics = new List<DiagnosticInfo>();
            var taken = new Dictionary<string, SpecModel>(StringComparer.Ordinal);
            foreach (var spec in results.Select(r => r.Spec).OfType<SpecModel>()
                         .OrderBy(s => s.Location.Path, StringComparer.Ordinal))
            {
                if (taken.TryGetValue(spec.Identifier, out var first))
                {
                    diagnostics.Add(DiagnosticInfo.Create(SpecDiagnostics.DuplicateSpecName, spec.Location,
                        spec.FileName, spec.Identifier, first.Location.Path));
                    continue;
                }

                taken.Add(spec.Identifier, spec);
                kept.Add(spec);
            }

            return new SpecSet(kept.OrderBy(s => s.Name, StringComparer.Ordinal).ToEquatableArray(),
                diagnostics.ToEquatableArray());
        }
    }
}
