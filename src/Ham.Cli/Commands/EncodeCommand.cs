using System.ComponentModel;
using System.Text.Json;
using Ham.Model.Checkpoints;
using Ham.Model.Clip;
using Ham.Model.IO;
using Ham.Model.Imaging;
using Ham.Model.Tokenization;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Ham.Cli.Commands;

/// <summary>
/// <c>ham encode --checkpoint MODEL (--pixel-values FILE --input-ids FILE | --images PATH... --texts TEXT...)
/// --out OUT.safetensors</c>: CLIP features and logits.
/// </summary>
[Description("CLIP image/text features and logits, from tensors (safetensors) or from image files and texts")]
public sealed class EncodeCommand : Command<EncodeCommand.Settings>
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif",
        ".tiff"];

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <MODEL>")]
        [Description("CLIP checkpoint: safetensors, PyTorch .pt/.bin, or TorchScript; OpenAI, open_clip or HF keys.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--config <ARCH_JSON>")]
        [Description("Architecture JSON (OpenAI-style keys) instead of reading it from the checkpoint's shapes.")]
        public string? Config { get; init; }

        [CommandOption("--pixel-values <FILE>")]
        [Description("safetensors file holding 'pixel_values' [[B, 3, H, W]] (preprocessed).")]
        public string? PixelValues { get; init; }

        [CommandOption("--input-ids <FILE>")]
        [Description("safetensors file holding 'input_ids' [[T, L]] int64 (may be the --pixel-values file).")]
        public string? InputIds { get; init; }

        [CommandOption("--images <PATH>")]
        [Description("Image files or folders (searched recursively); decoded and preprocessed as CLIP does.")]
        public string[] Images { get; init; } = [];

        [CommandOption("--texts <TEXT>")]
        [Description("Texts, or files of texts (one per line); tokenized as CLIP does.")]
        public string[] Texts { get; init; } = [];

        [CommandOption("--truncate")]
        [Description("Truncate texts longer than the context instead of failing.")]
        public bool Truncate { get; init; }

        [CommandOption("--batch-size <N>")]
        [Description("Images per forward pass (default 64).")]
        public int BatchSize { get; init; } = 64;

        [CommandOption("--device <NAME>")]
        [Description("cpu (default), cuda or cuda:N.")]
        public string Device { get; init; } = "cpu";

        [CommandOption("--out <OUT>")]
        [Description("Output safetensors: image_features, text_features (not normalized), logits_per_image, " +
                     "logits_per_text.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrEmpty(Checkpoint)) return ValidationResult.Error("--checkpoint is required");
            if (string.IsNullOrEmpty(Out)) return ValidationResult.Error("--out is required");
            var tensorMode = PixelValues is not null || InputIds is not null;
            var fileMode = Images.Length > 0 || Texts.Length > 0;
            if (tensorMode && fileMode)
                return ValidationResult.Error("give either --pixel-values/--input-ids or --images/--texts, not both");
            if (!tensorMode && !fileMode)
                return ValidationResult.Error("nothing to encode: give --pixel-values/--input-ids or --images/--texts");
            if (BatchSize <= 0) return ValidationResult.Error($"--batch-size must be positive, got {BatchSize}");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = ParseDevice(settings.Device);
        OutputPath.RequireNotAnInput(settings.Out!, "--out", new[]
        {
            ("--checkpoint", settings.Checkpoint), ("--config", settings.Config),
            ("--pixel-values", settings.PixelValues), ("--input-ids", settings.InputIds),
        }.Where(input => input.Item2 is not null).Select(input => (input.Item1, input.Item2!)));
        var config = settings.Config is null ? null : ClipConfig.FromJson(settings.Config);
        using var model = ClipCheckpoint.Load(settings.Checkpoint!, device, config);
        Log.Info($"loaded {settings.Checkpoint}: ViT {model.Config.VisionWidth}x{model.Config.VisionLayers}, " +
                 $"{model.Config.ImageResolution} px, embedding {model.Config.EmbedDim}");

        var metadata = new Dictionary<string, string>();
        Tensor? pixels = null;
        Tensor? ids = null;
        try
        {
            if (settings.PixelValues is not null || settings.InputIds is not null)
            {
                pixels = settings.PixelValues is null ? null : ReadTensor(settings.PixelValues, "pixel_values");
                ids = settings.InputIds is null ? null : ReadTensor(settings.InputIds, "input_ids");
            }
            else
            {
                var imagePaths = FindImages(settings.Images);
                pixels = imagePaths.Count == 0 ? null : Preprocess(imagePaths, model.Config.ImageResolution);
                var texts = ReadTexts(settings.Texts);
                ids = texts.Count == 0
                    ? null
                    : ClipTokenizer.Default.EncodeBatch(texts, model.Config.ContextLength, settings.Truncate);
                if (imagePaths.Count > 0) metadata["images"] = JsonSerializer.Serialize(imagePaths);
                if (texts.Count > 0) metadata["texts"] = JsonSerializer.Serialize(texts);
            }
            var outputs = Encode(model, pixels, ids, settings.BatchSize, device);
            var written = string.Join(", ",
                outputs.Select(pair => $"{pair.Key} [{string.Join(", ", pair.Value.shape)}]"));
            try
            {
                Safetensors.Write(settings.Out!, outputs, metadata);
            }
            finally
            {
                foreach (var tensor in outputs.Values) tensor.Dispose();
            }
            Log.Info($"wrote {written} to {settings.Out}");
        }
        finally
        {
            pixels?.Dispose();
            ids?.Dispose();
        }
        return 0;
    }

    /// <summary>Features of whatever is given and, when both are, the two logit matrices (all on the CPU).</summary>
    public static Dictionary<string, Tensor> Encode(ClipModel model, Tensor? pixels, Tensor? ids, int batchSize,
        Device device)
    {
        using var noGrad = no_grad();
        var outputs = new Dictionary<string, Tensor>();
        if (pixels is not null)
        {
            if (pixels.dim() > 0 && pixels.shape[0] == 0)
                throw new ArgumentException($"pixel_values of shape [{string.Join(", ", pixels.shape)}] hold no " +
                                            "images; expected [B, 3, H, W] with B >= 1", nameof(pixels));
            var batches = new List<Tensor>();
            for (long start = 0; start < pixels.shape[0]; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = pixels.narrow(0, start, Math.Min(batchSize, pixels.shape[0] - start)).to(device);
                batches.Add(ToCpu(model.EncodeImage(batch)).MoveToOuterDisposeScope());
            }
            // One batch is the output itself; several are concatenated into a new tensor and then freed.
            outputs["image_features"] = batches.Count == 1 ? batches[0] : cat(batches, 0);
            if (batches.Count > 1) foreach (var batch in batches) batch.Dispose();
        }
        if (ids is not null)
        {
            if (ids.dtype != ScalarType.Int64)
                throw new InvalidDataException($"input_ids are {ids.dtype}, expected int64");
            using var scope = NewDisposeScope();
            var onDevice = ids.to(device);
            outputs["text_features"] = ToCpu(model.EncodeText(onDevice)).MoveToOuterDisposeScope();
        }
        if (pixels is not null && ids is not null)
        {
            var logitsPerImage = model.Logits(outputs["image_features"], outputs["text_features"]);
            outputs["logits_per_image"] = logitsPerImage;
            outputs["logits_per_text"] = logitsPerImage.t().contiguous();
        }
        return outputs;
    }

    // The tensor itself when it is on the CPU already; otherwise its CPU copy, and the device tensor is freed.
    private static Tensor ToCpu(Tensor tensor)
    {
        if (tensor.device_type == TorchSharp.DeviceType.CPU) return tensor;
        using (tensor) return tensor.cpu();
    }

    private static Tensor ReadTensor(string path, string name)
    {
        using var file = SafetensorsFile.Open(path);
        if (!file.Contains(name))
            throw new InvalidDataException($"{path}: no tensor '{name}' (it has " +
                                           $"{string.Join(", ", file.Names.Select(n => $"'{n}'"))})");
        return name == "input_ids" ? file.Read(name, ScalarType.Int64) : file.Read(name, ScalarType.Float32);
    }

    private static Tensor Preprocess(IReadOnlyList<string> paths, int resolution)
    {
        var images = paths.Select(ImageDecoder.Decode).ToList();
        try
        {
            return ClipPreprocess.Batch(images, resolution);
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }

    /// <summary>Image files in the order given; a folder contributes its images recursively in ordinal order.</summary>
    public static List<string> FindImages(IEnumerable<string> paths)
    {
        var found = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                found.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(file => ImageExtensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path)) found.Add(path);
            else throw new FileNotFoundException($"--images: no file or folder {path}", path);
        }
        return found;
    }

    /// <summary>Each value is a text, or, when it names an existing file, that file's non-empty lines.</summary>
    public static List<string> ReadTexts(IEnumerable<string> values) =>
        values.SelectMany(value => File.Exists(value)
            ? File.ReadLines(value).Where(line => line.Length > 0)
            : [value]).ToList();

    private static Device ParseDevice(string name)
    {
        if (name == "cpu") return CPU;
        if (name == "cuda" || name.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ArgumentException($"--device {name}: CUDA is not available (build with " +
                                            "-p:HamCuda=true on a machine with an NVIDIA GPU)");
            return device(name);
        }
        throw new ArgumentException($"--device must be cpu, cuda or cuda:N, got '{name}'");
    }
}
