using System.Collections.Generic;
using System.Linq;
using Ham.Generators.Layouts;
using Ham.Generators.Model;

namespace Ham.Generators.Emitting
{
    /// <summary>Writes one spec's typed config, key catalogue and groups; reads nothing but the model.</summary>
    internal static class SpecEmitter
    {
        public const string Namespace = "Ham.Model.Specs";

        // Hugging Face CLIPModel buffers without weights; older transformers versions saved them.
        private static readonly string[] IgnoredClipHuggingFaceKeys =
        {
            "vision_model.embeddings.position_ids", "text_model.embeddings.position_ids",
        };

        public static string HintName(SpecModel spec) =>
            (spec.Clip != null ? "ClipSpecs." : "ResNetSpecs.") + spec.Identifier + ".g.cs";

        public static string Emit(SpecModel spec) =>
            spec.Clip != null ? EmitClip(spec, spec.Clip) : EmitResNet(spec, spec.ResNet!);

        private static string EmitClip(SpecModel spec, ClipModel clip)
        {
            var keys = ClipLayout.Keys(clip);
            var groups = WithCustom(ClipLayout.Groups(clip, keys), spec, keys);
            long Count(System.Func<string, bool> predicate) =>
                keys.Where(k => predicate(k.Name)).Sum(k => k.Shape.Aggregate(1L, (p, d) => p * d));
            var total = Count(_ => true);
            var visual = Count(n => n.StartsWith("visual."));
            var text = Count(n => !n.StartsWith("visual.") && n != "logit_scale");

            var w = Header(spec);
            w.Open("public static partial class ClipSpecs");
            w.Line($"/// <summary>{spec.Name} ({spec.FileName}): {CodeWriter.Grouped(total)} parameters; " +
                $"{clip.ImageSize} px images in {clip.PatchSize} px patches, " +
                $"{clip.Vision.Layers} + {clip.Text.Layers} layers.</summary>");
            w.Line($"public static ClipSpec {spec.Identifier} => {spec.Identifier}Definition.Spec;");
            w.Line();
            w.Line("// A holder class per spec, so that a spec is built on first use and All sees it built.");
            w.Open($"private static class {spec.Identifier}Definition");
            w.Line($"private const string Name = {CodeWriter.Literal(spec.Name)};");
            w.Line();
            w.Line("public static readonly ClipSpec Spec = new ClipSpec(");
            w.Line("    Name: Name,");
            w.Line($"    EmbedDim: {clip.EmbedDim},");
            w.Line($"    QuickGelu: {(clip.QuickGelu ? "true" : "false")},");
            w.Line("    Vision: new ClipVisionSpec(");
            w.Line($"        ImageSize: {clip.ImageSize},");
            w.Line($"        PatchSize: {clip.PatchSize},");
            w.Line($"        Width: {clip.Vision.Width},");
            w.Line($"        Layers: {clip.Vision.Layers},");
            w.Line($"        Heads: {clip.Vision.Heads},");
            w.Line($"        HeadWidth: {clip.Vision.Width / clip.Vision.Heads},");
            w.Line($"        MlpWidth: {clip.Vision.MlpWidth},");
            w.Line($"        GridSize: {clip.GridSize},");
            w.Line($"        TokenCount: {clip.GridSize * clip.GridSize + 1},");
            w.Line($"        ParameterCount: {CodeWriter.Number(visual)}L),");
            w.Line("    Text: new ClipTextSpec(");
            w.Line($"        ContextLength: {clip.ContextLength},");
            w.Line($"        VocabSize: {clip.VocabSize},");
            w.Line($"        Width: {clip.Text.Width},");
            w.Line($"        Layers: {clip.Text.Layers},");
            w.Line($"        Heads: {clip.Text.Heads},");
            w.Line($"        HeadWidth: {clip.Text.Width / clip.Text.Heads},");
            w.Line($"        MlpWidth: {clip.Text.MlpWidth},");
            w.Line($"        ParameterCount: {CodeWriter.Number(text)}L),");
            w.Line($"    ParameterCount: {CodeWriter.Number(total)}L,");
            w.Line($"    Catalogue: new KeyCatalogue(Name, Keys(), {CodeWriter.Strings(IgnoredClipHuggingFaceKeys)}),");
            w.Line($"    Groups: new ClipGroups(Name, Groups(), {CodeWriter.Strings(spec.Trained)}, " +
                $"{CodeWriter.Strings(spec.Merged)}));");
            w.Line();
            WriteKeys(w, keys);
            w.Line();
            WriteGroups(w, groups);
            w.Close();
            w.Close();
            w.Close();
            return w.ToString();
        }

        private static string EmitResNet(SpecModel spec, ResNetModel resnet)
        {
            var keys = ResNetLayout.Keys(resnet);
            var groups = WithCustom(ResNetLayout.Groups(resnet, keys), spec, keys);
            var parameters = keys.Where(k => !k.IsBuffer).Sum(k => k.Shape.Aggregate(1L, (p, d) => p * d));
            var stageWidths = Enumerable.Range(0, resnet.Blocks.Count).Select(s => resnet.Width << s).ToList();

            var w = Header(spec);
            w.Open("public static partial class ResNetSpecs");
            w.Line($"/// <summary>{spec.Name} ({spec.FileName}): {CodeWriter.Grouped(parameters)} parameters, " +
                $"{resnet.FeatureDim}-d pooled features, blocks {string.Join("-", resnet.Blocks)}.</summary>");
            w.Line($"public static ResNetSpec {spec.Identifier} => {spec.Identifier}Definition.Spec;");
            w.Line();
            w.Line("// A holder class per spec, so that a spec is built on first use and All sees it built.");
            w.Open($"private static class {spec.Identifier}Definition");
            w.Line($"private const string Name = {CodeWriter.Literal(spec.Name)};");
            w.Line();
            w.Line("public static readonly ResNetSpec Spec = new ResNetSpec(");
            w.Line("    Name: Name,");
            w.Line($"    ImageSize: {resnet.ImageSize},");
            w.Line($"    Width: {resnet.Width},");
            w.Line($"    Blocks: new int[] {{ {string.Join(", ", resnet.Blocks)} }},");
            w.Line($"    StageWidths: new int[] {{ {string.Join(", ", stageWidths)} }},");
            w.Line($"    FeatureDim: {resnet.FeatureDim},");
            w.Line($"    ParameterCount: {CodeWriter.Number(parameters)}L,");
            w.Line("    Catalogue: new KeyCatalogue(Name, Keys(), new string[0]),");
            w.Line($"    Groups: new ResNetGroups(Name, Groups(), {CodeWriter.Strings(spec.Trained)}, " +
                $"{CodeWriter.Strings(spec.Merged)}));");
            w.Line();
            WriteKeys(w, keys);
            w.Line();
            WriteGroups(w, groups);
            w.Close();
            w.Close();
            w.Close();
            return w.ToString();
        }

        private static CodeWriter Header(SpecModel spec)
        {
            var w = new CodeWriter();
            w.Line($"// <auto-generated/> by Ham.Generators from {spec.FileName}; edit the spec, not this file.");
            w.Line("#nullable enable");
            w.Line();
            w.Open($"namespace {Namespace}");
            return w;
        }

        private static void WriteKeys(CodeWriter w, IReadOnlyList<KeyRow> keys)
        {
            w.Line("// Name, shape, buffer?, Hugging Face transform and names; in state-dict order.");
            w.Open("private static KeyEntry[] Keys() => new KeyEntry[]");
            foreach (var key in keys)
            {
                w.Line($"new KeyEntry({CodeWriter.Literal(key.Name)}, {CodeWriter.Shape(key.Shape)}, " +
                    $"{(key.IsBuffer ? "true" : "false")}, HuggingFaceTransform.{key.Transform}, " +
                    $"{CodeWriter.Strings(key.HuggingFaceNames)}),");
            }

            w.Close(";");
        }

        private static void WriteGroups(CodeWriter w, IReadOnlyList<GroupRow> groups)
        {
            w.Open("private static SpecGroup[] Groups() => new SpecGroup[]");
            foreach (var group in groups)
            {
                w.Line($"new SpecGroup({CodeWriter.Literal(group.Name)}, new string[]");
                w.Line("{");
                foreach (var key in group.Keys) w.Line("    " + CodeWriter.Literal(key) + ",");
                w.Line("}),");
            }

            w.Close(";");
        }

        /// <summary>The built-in groups, then the spec's own, members expanded to keys in catalogue order.</summary>
        private static IReadOnlyList<GroupRow> WithCustom(IReadOnlyList<GroupRow> builtIn, SpecModel spec,
            IReadOnlyList<KeyRow> keys)
        {
            var all = builtIn.ToList();
            var order = keys.Select((k, i) => (k.Name, i)).ToDictionary(p => p.Name, p => p.i);
            foreach (var custom in spec.CustomGroups)
            {
                var members = new HashSet<string>();
                foreach (var member in custom.Members)
                {
                    var group = all.FirstOrDefault(g => g.Name == member);
                    if (group != null) members.UnionWith(group.Keys);
                    else members.Add(member);
                }

                all.Add(new GroupRow(custom.Name, custom.Name, members.OrderBy(m => order[m]).ToList()));
            }

            return all;
        }
    }
}
