using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Ham.Generators.Layouts;
using Ham.Generators.Model;
using Ham.Generators.Parsing;

namespace Ham.Generators
{
    /// <summary>The text of one spec file, as the pipeline's first equatable value.</summary>
    internal sealed record SpecSource(string Path, string Text);

    /// <summary>
    /// Turns one spec file into a <see cref="SpecModel"/> and its diagnostics. The format is open_clip's model
    /// config (embed_dim, vision_cfg, text_cfg) plus Ham's optional "ham" section; ResNets use resnet_cfg.
    /// </summary>
    internal sealed class SpecParser
    {
        private readonly SpecSource source;
        private readonly string fileName;
        private readonly int[] lineStarts;
        private readonly List<DiagnosticInfo> diagnostics = new List<DiagnosticInfo>();

        private SpecParser(SpecSource source)
        {
            this.source = source;
            fileName = System.IO.Path.GetFileName(source.Path);
            lineStarts = LineStarts(source.Text);
        }

        public static ParseResult Parse(SpecSource source, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var parser = new SpecParser(source);
            var spec = parser.ParseSpec();
            return new ParseResult(parser.diagnostics.Count == 0 ? spec : null, parser.diagnostics.ToEquatableArray());
        }

        /// <summary>"ViT-L-14-336" -> "VitL14_336": PascalCase parts, an underscore between two numbers.</summary>
        public static string Identifier(string name)
        {
            var builder = new StringBuilder();
            var separators = new[] { '-', '_', '.', ' ', '@', '/' };
            foreach (var part in name.Split(separators, StringSplitOptions.RemoveEmptyEntries))
            {
                var clean = new string(part.Where(char.IsLetterOrDigit).ToArray());
                if (clean.Length == 0) continue;
                if (builder.Length > 0 && char.IsDigit(builder[builder.Length - 1]) && char.IsDigit(clean[0]))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToUpperInvariant(clean[0])).Append(clean.Substring(1).ToLowerInvariant());
            }

            if (builder.Length == 0 || char.IsDigit(builder[0])) builder.Insert(0, "Spec");
            return builder.ToString();
        }

        private SpecModel? ParseSpec()
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(source.Path);
            JsonNode root;
            try
            {
                root = JsonReader.Read(source.Text);
            }
            catch (JsonSyntaxException e)
            {
                Report(SpecDiagnostics.MalformedJson, Span(e.Offset, e.Offset + 1), fileName, e.Message);
                return null;
            }

            if (!(root is JsonObject top))
            {
                Report(SpecDiagnostics.MalformedJson, Span(root), fileName,
                    $"the top level is {root.Kind}, expected an object");
                return null;
            }

            var location = Span(top.Start, top.Start + 1);
            ClipModel? clip = null;
            ResNetModel? resnet = null;
            IReadOnlyList<KeyRow> keys;
            IReadOnlyList<GroupRow> groups;
            string[] trainedDefault, mergedDefault;
            if (top.Find("resnet_cfg") != null)
            {
                resnet = ParseResNet(top);
                if (resnet == null) return null;
                keys = ResNetLayout.Keys(resnet);
                groups = ResNetLayout.Groups(resnet, keys);
                trainedDefault = ResNetLayout.DefaultTrained;
                mergedDefault = ResNetLayout.DefaultMerged;
            }
            else
            {
                clip = ParseClip(top);
                if (clip == null) return null;
                keys = ClipLayout.Keys(clip);
                groups = ClipLayout.Groups(clip, keys);
                trainedDefault = ClipLayout.DefaultTrained;
                mergedDefault = ClipLayout.DefaultMerged;
            }

            var (custom, trained, merged) = ParseHam(top, keys, groups, trainedDefault, mergedDefault);
            return new SpecModel(name, Identifier(name), fileName, location, clip, resnet, custom, trained, merged);
        }

        private ClipModel? ParseClip(JsonObject top)
        {
            var embedDim = PositiveInt(top, "embed_dim", "width of the joint embedding");
            var vision = RequiredObject(top, "vision_cfg", "the image tower");
            var text = RequiredObject(top, "text_cfg", "the text tower");
            if (vision == null || text == null) return null;

            if (vision.Find("layers")?.Value is JsonArray layersArray)
            {
                Report(SpecDiagnostics.UnsupportedArchitecture, Span(layersArray), fileName,
                    "vision_cfg.layers is a list (a ModifiedResNet image tower); " +
                    "only vision transformers are supported");
                return null;
            }

            foreach (var external in new[] { "timm_model_name", "hf_model_name" })
            {
                var cfg = external == "timm_model_name" ? vision : text;
                var property = cfg.Find(external);
                if (property != null && !(property.Value is JsonLiteral { Value: null }))
                {
                    Report(SpecDiagnostics.UnsupportedArchitecture, Span(property.Value), fileName,
                        $"{external} names an external tower; only open_clip's own transformers are supported");
                    return null;
                }
            }

            var imageSize = PositiveInt(vision, "image_size", "input resolution in pixels", "vision_cfg.");
            var visionLayers = PositiveInt(vision, "layers", "residual attention blocks", "vision_cfg.");
            var visionWidth = PositiveInt(vision, "width", "residual stream width", "vision_cfg.");
            var patchSize = PositiveInt(vision, "patch_size", "patch side in pixels", "vision_cfg.");
            var headWidth = OptionalPositiveInt(vision, "head_width", "vision_cfg.") ?? 64;
            var explicitHeads = OptionalPositiveInt(vision, "heads", "vision_cfg.");
            var visionRatio = OptionalPositiveNumber(vision, "mlp_ratio", "vision_cfg.") ?? 4.0;

            var contextLength = PositiveInt(text, "context_length", "tokens per text", "text_cfg.");
            var vocabSize = PositiveInt(text, "vocab_size", "token vocabulary", "text_cfg.");
            var textWidth = PositiveInt(text, "width", "residual stream width", "text_cfg.");
            var textHeads = PositiveInt(text, "heads", "attention heads", "text_cfg.");
            var textLayers = PositiveInt(text, "layers", "residual attention blocks", "text_cfg.");
            var textRatio = OptionalPositiveNumber(text, "mlp_ratio", "text_cfg.") ?? 4.0;
            var quickGelu = OptionalBool(top, "quick_gelu") ?? false;
            if (diagnostics.Count > 0) return null;

            if (imageSize % patchSize != 0)
            {
                Report(SpecDiagnostics.PatchDoesNotDivideImage, Span(vision.Find("patch_size")!.Value), fileName,
                    imageSize, patchSize);
            }

            // open_clip derives heads as width / head_width (64 by default); "heads" states them outright.
            var visionHeads = explicitHeads ?? visionWidth / headWidth;
            if (explicitHeads is int heads && visionWidth % heads != 0)
            {
                Report(SpecDiagnostics.HeadsDoNotDivideWidth, Span(vision.Find("heads")!.Value), fileName,
                    "vision_cfg", visionWidth, "heads", heads);
            }
            else if (explicitHeads == null && visionWidth % headWidth != 0)
            {
                var at = vision.Find("head_width")?.Value ?? vision.Find("width")!.Value;
                Report(SpecDiagnostics.HeadsDoNotDivideWidth, Span(at), fileName,
                    "vision_cfg", visionWidth, "head_width", headWidth);
            }

            if (textWidth % textHeads != 0)
            {
                Report(SpecDiagnostics.HeadsDoNotDivideWidth, Span(text.Find("heads")!.Value), fileName,
                    "text_cfg", textWidth, "heads", textHeads);
            }

            var visionMlp = MlpWidth(vision, visionWidth, visionRatio, "vision_cfg.");
            var textMlp = MlpWidth(text, textWidth, textRatio, "text_cfg.");
            if (diagnostics.Count > 0) return null;

            return new ClipModel(
                embedDim, quickGelu,
                new TowerModel(visionWidth, visionLayers, visionHeads, visionMlp),
                new TowerModel(textWidth, textLayers, textHeads, textMlp),
                imageSize, patchSize, contextLength, vocabSize);
        }

        private int MlpWidth(JsonObject cfg, int width, double ratio, string path)
        {
            var hidden = width * ratio;
            if (Math.Abs(hidden - Math.Round(hidden)) > 1e-9)
            {
                Report(SpecDiagnostics.InvalidField, Span(cfg.Find("mlp_ratio")!.Value), fileName, path + "mlp_ratio",
                    ratio.ToString(CultureInfo.InvariantCulture), $"a ratio that makes width {width} a whole number");
            }

            return (int)Math.Round(hidden);
        }

        private ResNetModel? ParseResNet(JsonObject top)
        {
            var cfg = RequiredObject(top, "resnet_cfg", "the ResNet backbone");
            if (cfg == null) return null;
            var block = cfg.Find("block");
            if (block != null && !(block.Value is JsonString { Value: "basic" }))
            {
                Report(SpecDiagnostics.UnsupportedArchitecture, Span(block.Value), fileName,
                    "resnet_cfg.block must be \"basic\" (resnet18/34); bottleneck ResNets are not supported");
                return null;
            }

            var imageSize = PositiveInt(cfg, "image_size", "input resolution in pixels", "resnet_cfg.");
            var width = PositiveInt(cfg, "width", "channels of the stem", "resnet_cfg.");
            var layersProperty = cfg.Find("layers");
            var blocks = new List<int>();
            if (layersProperty == null)
            {
                Report(SpecDiagnostics.MissingField, Span(cfg.Start, cfg.Start + 1), fileName, "resnet_cfg.layers",
                    "blocks per stage, four numbers");
            }
            else if (!(layersProperty.Value is JsonArray array) || array.Items.Count != 4)
            {
                Report(SpecDiagnostics.InvalidField, Span(layersProperty.Value), fileName, "resnet_cfg.layers",
                    Describe(layersProperty.Value), "a list of four positive integers");
            }
            else
            {
                foreach (var item in array.Items)
                {
                    if (AsPositiveInt(item, "resnet_cfg.layers[]") is int count) blocks.Add(count);
                }
            }

            if (diagnostics.Count > 0) return null;
            return new ResNetModel(imageSize, width, blocks.ToEquatableArray());
        }

        private (EquatableArray<CustomGroupModel>, EquatableArray<string>, EquatableArray<string>) ParseHam(
            JsonObject top, IReadOnlyList<KeyRow> keys, IReadOnlyList<GroupRow> groups,
            string[] trainedDefault, string[] mergedDefault)
        {
            var custom = new List<CustomGroupModel>();
            var ham = top.Find("ham");
            if (ham == null)
            {
                return (custom.ToEquatableArray(), trainedDefault.ToEquatableArray(), mergedDefault.ToEquatableArray());
            }

            if (!(ham.Value is JsonObject section))
            {
                Report(SpecDiagnostics.InvalidField, Span(ham.Value), fileName, "ham", Describe(ham.Value),
                    "an object");
                return (custom.ToEquatableArray(), trainedDefault.ToEquatableArray(), mergedDefault.ToEquatableArray());
            }

            var groupNames = new HashSet<string>(groups.Select(g => g.Name), StringComparer.Ordinal);
            var keyNames = new HashSet<string>(keys.Select(k => k.Name), StringComparer.Ordinal);
            var definitions = section.Find("groups");
            if (definitions != null)
            {
                if (definitions.Value is JsonObject table)
                {
                    foreach (var definition in table.Properties)
                    {
                        if (groupNames.Contains(definition.Name))
                        {
                            Report(SpecDiagnostics.DuplicateGroupName, Span(definition.NameStart, definition.NameEnd),
                                fileName, definition.Name);
                            continue;
                        }

                        // Members are built-in groups, earlier custom groups, or keys; never the group itself.
                        var members = Names(definition.Value, $"ham.groups.{definition.Name}",
                            m => groupNames.Contains(m) || keyNames.Contains(m));
                        groupNames.Add(definition.Name);
                        custom.Add(new CustomGroupModel(definition.Name, members.ToEquatableArray()));
                    }
                }
                else
                {
                    Report(SpecDiagnostics.InvalidField, Span(definitions.Value), fileName, "ham.groups",
                        Describe(definitions.Value), "an object of group name -> list of groups or keys");
                }
            }

            var trained = section.Find("trained") is JsonProperty t
                ? Names(t.Value, "ham.trained", groupNames.Contains)
                : trainedDefault.ToList();
            var merged = section.Find("merged") is JsonProperty m
                ? Names(m.Value, "ham.merged", groupNames.Contains)
                : mergedDefault.ToList();
            return (custom.ToEquatableArray(), trained.ToEquatableArray(), merged.ToEquatableArray());
        }

        private List<string> Names(JsonNode node, string path, Func<string, bool> isKnown)
        {
            var names = new List<string>();
            if (!(node is JsonArray array))
            {
                Report(SpecDiagnostics.InvalidField, Span(node), fileName, path, Describe(node), "a list of names");
                return names;
            }

            foreach (var item in array.Items)
            {
                if (!(item is JsonString name))
                {
                    Report(SpecDiagnostics.InvalidField, Span(item), fileName, path + "[]", Describe(item), "a name");
                }
                else if (!isKnown(name.Value))
                {
                    Report(SpecDiagnostics.UnknownGroupMember, Span(item), fileName, name.Value, path);
                }
                else
                {
                    names.Add(name.Value);
                }
            }

            return names;
        }

        private JsonObject? RequiredObject(JsonObject parent, string name, string meaning)
        {
            var property = parent.Find(name);
            if (property == null)
            {
                Report(SpecDiagnostics.MissingField, Span(parent.Start, parent.Start + 1), fileName, name, meaning);
                return null;
            }

            if (property.Value is JsonObject value) return value;
            Report(SpecDiagnostics.InvalidField, Span(property.Value), fileName, name, Describe(property.Value),
                "an object");
            return null;
        }

        private int PositiveInt(JsonObject parent, string name, string meaning, string path = "")
        {
            var property = parent.Find(name);
            if (property == null)
            {
                Report(SpecDiagnostics.MissingField, Span(parent.Start, parent.Start + 1), fileName, path + name,
                    meaning);
                return 1;
            }

            return AsPositiveInt(property.Value, path + name) ?? 1;
        }

        private int? OptionalPositiveInt(JsonObject parent, string name, string path)
        {
            var property = parent.Find(name);
            return property == null ? null : AsPositiveInt(property.Value, path + name);
        }

        private int? AsPositiveInt(JsonNode node, string path)
        {
            if (node is JsonNumber number &&
                int.TryParse(number.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) &&
                value > 0)
            {
                return value;
            }

            Report(SpecDiagnostics.InvalidField, Span(node), fileName, path, Describe(node), "a positive integer");
            return null;
        }

        private double? OptionalPositiveNumber(JsonObject parent, string name, string path)
        {
            var property = parent.Find(name);
            if (property == null) return null;
            if (property.Value is JsonNumber number &&
                double.TryParse(number.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) &&
                value > 0)
            {
                return value;
            }

            Report(SpecDiagnostics.InvalidField, Span(property.Value), fileName, path + name, Describe(property.Value),
                "a positive number");
            return null;
        }

        private bool? OptionalBool(JsonObject parent, string name)
        {
            var property = parent.Find(name);
            if (property == null) return null;
            if (property.Value is JsonLiteral { Value: bool value }) return value;
            Report(SpecDiagnostics.InvalidField, Span(property.Value), fileName, name, Describe(property.Value),
                "true or false");
            return null;
        }

        private string Describe(JsonNode node) => node switch
        {
            JsonNumber number => number.Text,
            JsonString text => $"\"{text.Value}\"",
            JsonLiteral { Value: null } => "null",
            JsonLiteral literal => literal.Value == true ? "true" : "false",
            _ => node.Kind,
        };

        private void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo location,
            params object[] args) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));

        private LocationInfo Span(JsonNode node) => Span(node.Start, node.End);

        private LocationInfo Span(int start, int end)
        {
            start = Math.Min(start, source.Text.Length);
            end = Math.Max(start, Math.Min(end, source.Text.Length));
            var (startLine, startColumn) = Position(start);
            var (endLine, endColumn) = Position(end);
            return new LocationInfo(source.Path, start, end - start, startLine, startColumn, endLine, endColumn);
        }

        private (int Line, int Column) Position(int offset)
        {
            var line = Array.BinarySearch(lineStarts, offset);
            if (line < 0) line = ~line - 1;
            return (line, offset - lineStarts[line]);
        }

        private static int[] LineStarts(string text)
        {
            var starts = new List<int> { 0 };
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '\n') starts.Add(i + 1);
            }

            return starts.ToArray();
        }
    }
}
