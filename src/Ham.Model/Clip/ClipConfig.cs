using System.Text.Json;
using Ham.Model.Specs;

namespace Ham.Model.Clip;

/// <summary>
/// The architecture of an OpenAI CLIP model with a vision-transformer image tower. Field meanings follow the
/// reference's <c>CLIP(...)</c> constructor; heads are explicit so that no shape rule is assumed.
/// </summary>
public sealed record ClipConfig(
    // Width of the joint image-text embedding (E).
    int EmbedDim,
    // Input image side in pixels (R); the patch grid is R / patch.
    int ImageResolution,
    // Residual attention blocks in the image tower.
    int VisionLayers,
    // Width of the image tower (W).
    int VisionWidth,
    // Side of a square patch in pixels.
    int VisionPatchSize,
    // Attention heads of the image tower; the reference uses VisionWidth / 64.
    int VisionHeads,
    // Token positions of the text tower (77 for every released model).
    int ContextLength,
    // Token vocabulary size; the end-of-text token is its largest id.
    int VocabSize,
    // Width of the text tower (D).
    int TransformerWidth,
    // Attention heads of the text tower.
    int TransformerHeads,
    // Residual attention blocks in the text tower.
    int TransformerLayers)
{
    /// <summary>The reference's rule for heads when a checkpoint does not say: width / 64 (at least one).</summary>
    public static int DefaultHeads(int width) => Math.Max(1, width / 64);

    /// <summary>Patches per side of the image grid.</summary>
    public int GridSize => ImageResolution / VisionPatchSize;

    // The presets are the shipped architecture specs (specs/*.json, compiled by Ham.Generators).
    public static ClipConfig VitB32 { get; } = FromSpec(ClipSpecs.VitB32);

    public static ClipConfig VitB16 { get; } = FromSpec(ClipSpecs.VitB16);

    public static ClipConfig VitL14 { get; } = FromSpec(ClipSpecs.VitL14);

    public static ClipConfig VitL14At336 { get; } = FromSpec(ClipSpecs.VitL14_336);

    /// <summary>The architecture of a generated spec (open_clip config format).</summary>
    public static ClipConfig FromSpec(ClipSpec spec) => new(
        EmbedDim: spec.EmbedDim,
        ImageResolution: spec.Vision.ImageSize,
        VisionLayers: spec.Vision.Layers,
        VisionWidth: spec.Vision.Width,
        VisionPatchSize: spec.Vision.PatchSize,
        VisionHeads: spec.Vision.Heads,
        ContextLength: spec.Text.ContextLength,
        VocabSize: spec.Text.VocabSize,
        TransformerWidth: spec.Text.Width,
        TransformerHeads: spec.Text.Heads,
        TransformerLayers: spec.Text.Layers);

    /// <summary>
    /// The shipped spec (specs/*.json) whose architecture this is, for its key catalogue and groups;
    /// InvalidOperationException naming the architecture when none is.
    /// </summary>
    public ClipSpec ShippedSpec() =>
        ClipSpecs.All.FirstOrDefault(spec => FromSpec(spec) == this)
        ?? throw new InvalidOperationException(
            $"no shipped CLIP spec has this architecture: image tower {VisionWidth} wide, {VisionLayers} layers, " +
            $"{VisionHeads} heads, {VisionPatchSize} px patches at {ImageResolution} px; text tower " +
            $"{TransformerWidth} wide, {TransformerLayers} layers, {TransformerHeads} heads, context " +
            $"{ContextLength}, vocabulary {VocabSize}; embedding {EmbedDim} (shipped: " +
            $"{string.Join(", ", ClipSpecs.All.Select(spec => spec.Name))}); add its open_clip config JSON to " +
            "specs/ and rebuild");

    /// <summary>The named presets, by the reference's names.</summary>
    public static IReadOnlyDictionary<string, ClipConfig> Presets { get; } = new Dictionary<string, ClipConfig>
    {
        ["ViT-B/32"] = VitB32,
        ["ViT-B/16"] = VitB16,
        ["ViT-L/14"] = VitL14,
        ["ViT-L/14@336px"] = VitL14At336,
        ["ViT-L/14@336"] = VitL14At336,
    };

    /// <summary>A preset by name; ArgumentException listing the names otherwise.</summary>
    public static ClipConfig Preset(string name) => Presets.TryGetValue(name, out var config)
        ? config
        : throw new ArgumentException($"unknown CLIP preset '{name}' (expected one of " +
                                      $"{string.Join(", ", Presets.Keys)})", nameof(name));

    /// <summary>Checks the invariants the modules rely on; names the offending field.</summary>
    public ClipConfig Validate(string source = "CLIP config")
    {
        void Positive(int value, string field)
        {
            if (value <= 0) throw new ArgumentException($"{source}: {field} is {value}, expected a positive number");
        }

        Positive(EmbedDim, nameof(EmbedDim));
        Positive(ImageResolution, nameof(ImageResolution));
        Positive(VisionLayers, nameof(VisionLayers));
        Positive(VisionWidth, nameof(VisionWidth));
        Positive(VisionPatchSize, nameof(VisionPatchSize));
        Positive(VisionHeads, nameof(VisionHeads));
        Positive(ContextLength, nameof(ContextLength));
        Positive(VocabSize, nameof(VocabSize));
        Positive(TransformerWidth, nameof(TransformerWidth));
        Positive(TransformerHeads, nameof(TransformerHeads));
        Positive(TransformerLayers, nameof(TransformerLayers));
        if (VisionWidth % VisionHeads != 0)
            throw new ArgumentException($"{source}: vision width {VisionWidth} must be divisible by vision heads " +
                                        $"{VisionHeads}");
        if (TransformerWidth % TransformerHeads != 0)
            throw new ArgumentException($"{source}: transformer width {TransformerWidth} must be divisible by " +
                                        $"transformer heads {TransformerHeads}");
        if (ImageResolution % VisionPatchSize != 0)
            throw new ArgumentException($"{source}: image resolution {ImageResolution} must be a multiple of the " +
                                        $"patch size {VisionPatchSize}");
        return this;
    }

    /// <summary>
    /// Reads the architecture from OpenAI-layout tensor shapes, as the reference's <c>build_model</c> does; heads
    /// are width / 64 unless given.
    /// </summary>
    public static ClipConfig FromShapes(IReadOnlyDictionary<string, long[]> shapes, string source,
        int? visionHeads = null, int? transformerHeads = null)
    {
        long[] Shape(string key) => shapes.TryGetValue(key, out var shape)
            ? shape
            : throw new InvalidDataException($"{source}: no tensor '{key}', which a CLIP ViT checkpoint has " +
                                             "(only ViT image towers are supported)");

        int Dim(string key, int index, int rank)
        {
            var shape = Shape(key);
            if (shape.Length != rank)
                throw new InvalidDataException($"{source}: tensor '{key}' has shape [{string.Join(", ", shape)}], " +
                                               $"expected {rank} dimensions");
            return checked((int)shape[index < 0 ? shape.Length + index : index]);
        }

        int CountLayers(string prefix) => shapes.Keys
            .Where(key => key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(key => key[prefix.Length..].Split('.')[0])
            .Distinct()
            .Count();

        var visionWidth = Dim("visual.conv1.weight", 0, 4);
        var patchSize = Dim("visual.conv1.weight", -1, 4);
        var positions = Dim("visual.positional_embedding", 0, 2);
        var grid = (int)Math.Round(Math.Sqrt(positions - 1));
        if (grid * grid + 1 != positions)
            throw new InvalidDataException($"{source}: visual.positional_embedding has {positions} rows, expected " +
                                           "a square grid plus one class token");
        var transformerWidth = Dim("ln_final.weight", 0, 1);
        var config = new ClipConfig(
            EmbedDim: Dim("text_projection", 1, 2),
            ImageResolution: patchSize * grid,
            VisionLayers: CountLayers("visual.transformer.resblocks."),
            VisionWidth: visionWidth,
            VisionPatchSize: patchSize,
            VisionHeads: visionHeads ?? DefaultHeads(visionWidth),
            ContextLength: Dim("positional_embedding", 0, 2),
            VocabSize: Dim("token_embedding.weight", 0, 2),
            TransformerWidth: transformerWidth,
            TransformerHeads: transformerHeads ?? DefaultHeads(transformerWidth),
            TransformerLayers: CountLayers("transformer.resblocks."));
        return config.Validate(source);
    }

    /// <summary>
    /// Head counts from a JSON architecture file beside a checkpoint, when it has them: OpenAI-style keys
    /// ("vision_heads", "transformer_heads") or Hugging Face's ("vision_config"/"text_config" with
    /// "num_attention_heads"). Nulls for what the file does not say.
    /// </summary>
    public static (int? VisionHeads, int? TransformerHeads) HeadsFromJson(string path)
    {
        using var document = ParseJson(path);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) return (null, null);

        int? Int(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) &&
            value.TryGetInt32(out var number) ? number : null;

        var vision = Int(root, "vision_heads");
        var text = Int(root, "transformer_heads");
        if (root.TryGetProperty("vision_config", out var visionConfig))
            vision ??= Int(visionConfig, "num_attention_heads");
        if (root.TryGetProperty("text_config", out var textConfig))
            text ??= Int(textConfig, "num_attention_heads");
        return (vision, text);
    }

    /// <summary>
    /// A whole architecture from OpenAI-style JSON ("embed_dim", "image_resolution", "vision_layers",
    /// "vision_width", "vision_patch_size", "context_length", "vocab_size", "transformer_width",
    /// "transformer_heads", "transformer_layers", optional "vision_heads").
    /// </summary>
    public static ClipConfig FromJson(string path)
    {
        using var document = ParseJson(path);
        var root = document.RootElement;

        int Required(string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) &&
            value.TryGetInt32(out var number)
                ? number
                : throw new InvalidDataException($"{path}: no integer '{name}' in the CLIP architecture");

        var visionWidth = Required("vision_width");
        var visionHeads = root.TryGetProperty("vision_heads", out var heads) && heads.TryGetInt32(out var h)
            ? h
            : DefaultHeads(visionWidth);
        return new ClipConfig(Required("embed_dim"), Required("image_resolution"), Required("vision_layers"),
            visionWidth, Required("vision_patch_size"), visionHeads, Required("context_length"),
            Required("vocab_size"), Required("transformer_width"), Required("transformer_heads"),
            Required("transformer_layers")).Validate(path);
    }

    private static JsonDocument ParseJson(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"CLIP architecture file not found: {path}", path);
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not well-formed JSON (line {e.LineNumber + 1}: {e.Message})");
        }
    }
}
