using System.Collections;
using System.IO.Compression;
using Ham.Model.Checkpoints;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

/// <summary>
/// Loads CLIP checkpoints of any supported container (safetensors, PyTorch zip pickles via TorchSharp.PyBridge,
/// TorchScript archives via <c>torch.jit.load</c>) and layout (OpenAI, open_clip, Hugging Face) into a
/// <see cref="ClipModel"/>; floating-point weights are upcast to float32.
/// </summary>
public static class ClipCheckpoint
{
    /// <summary>
    /// Loads a model. Without <paramref name="config"/> the architecture is read from the tensor shapes as the
    /// reference does, with head counts taken from a <c>config.json</c> beside the checkpoint when it states them
    /// (OpenAI-style "transformer_heads"/"vision_heads" or Hugging Face's "num_attention_heads"), else width / 64.
    /// </summary>
    public static ClipModel Load(string path, Device? device = null, ClipConfig? config = null)
    {
        var stateDict = ReadStateDict(path);
        try
        {
            config ??= InferConfig(stateDict, path);
            var model = new ClipModel(config);
            LoadWeights(model, stateDict, path);
            model.eval();
            if (device is not null && device.type != DeviceType.CPU) model.to(device);
            return model;
        }
        finally
        {
            foreach (var tensor in stateDict.Values) tensor.Dispose();
        }
    }

    /// <summary>The architecture of a checkpoint, from its shapes (see <see cref="Load"/> for heads).</summary>
    public static ClipConfig InferConfig(IReadOnlyDictionary<string, Tensor> stateDict, string path)
    {
        var shapes = stateDict.ToDictionary(pair => pair.Key, pair => pair.Value.shape);
        var (visionHeads, textHeads) = HeadsBeside(path);
        return ClipConfig.FromShapes(shapes, path, visionHeads, textHeads);
    }

    /// <summary>
    /// The checkpoint's tensors in OpenAI's layout, floating point as float32, on the CPU. The caller owns them.
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"CLIP checkpoint not found: {path}", path);
        var raw = ReadContainer(path);
        foreach (var key in raw.Keys.ToList())
        {
            var tensor = raw[key];
            if (tensor.is_floating_point() && tensor.dtype != ScalarType.Float32)
            {
                raw[key] = tensor.to_type(ScalarType.Float32);
                tensor.Dispose();
            }
        }
        return ClipKeyLayouts.ToOpenAi(raw, path);
    }

    /// <summary>
    /// Copies an OpenAI-layout state dict into the model: every parameter must be present with its exact shape,
    /// and no tensor may be left over. All missing, unexpected and misshapen keys are reported in one error that
    /// names the file, each key and the expected and found shapes (the generated ClipModel.LoadStateDict).
    /// </summary>
    public static void LoadWeights(ClipModel model, IReadOnlyDictionary<string, Tensor> stateDict, string source)
    {
        RequireFloatingWeights(model, stateDict, source);
        model.LoadStateDict(stateDict, source);
    }

    // copy_ would turn an integer tensor's values into a float parameter's (a logit_scale of I32 bytes gave -inf
    // logits), so a floating parameter stored with an integer or boolean dtype is refused, naming each key.
    private static void RequireFloatingWeights(ClipModel model, IReadOnlyDictionary<string, Tensor> stateDict,
        string source)
    {
        var expected = model.state_dict();
        var wrong = stateDict
            .Where(pair => expected.TryGetValue(pair.Key, out var parameter) && parameter.is_floating_point() &&
                           !pair.Value.is_floating_point())
            .Select(pair => $"'{pair.Key}' is {pair.Value.dtype}")
            .ToList();
        if (wrong.Count > 0)
            throw new InvalidDataException($"{source}: {wrong.Count} weight(s) of an integer dtype where CLIP has " +
                                           $"floating-point parameters: {string.Join(", ", wrong)}");
    }

    /// <summary>Writes the model's weights as an OpenAI-layout safetensors file, one tensor at a time.</summary>
    public static void Save(ClipModel model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var stateDict = model.state_dict();
        var layout = stateDict.Select(pair => SafetensorsLayout.Of(pair.Key, pair.Value)).ToList();
        SafetensorsWriter.WriteFile(path, layout, entry => stateDict[entry.Name].detach(), metadata);
    }

    private static (int? VisionHeads, int? TextHeads) HeadsBeside(string path)
    {
        var sibling = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "config.json");
        if (!File.Exists(sibling)) return (null, null);
        try
        {
            return ClipConfig.HeadsFromJson(sibling);
        }
        catch (InvalidDataException)
        {
            // A config.json that is not an architecture (or not JSON) says nothing about heads.
            return (null, null);
        }
    }

    private static Dictionary<string, Tensor> ReadContainer(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (read == 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] == 3 && magic[3] == 4)
            return IsTorchScript(path) ? ReadTorchScript(path) : ReadPickle(path);
        if (read >= 1 && magic[0] == 0x80)
            throw new InvalidDataException($"{path}: a legacy (pre-1.6, non-zip) PyTorch pickle, which " +
                                           "TorchSharp.PyBridge cannot read; re-save it with torch.save or as " +
                                           "safetensors");
        return Checkpoints.Safetensors.ReadAll(path);
    }

    private static bool IsTorchScript(string path)
    {
        try
        {
            using var archive = ZipFile.OpenRead(path);
            return archive.Entries.Any(entry => entry.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal) ||
                                                entry.FullName.Contains("/code/", StringComparison.Ordinal));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: starts like a zip archive but is not one ({e.Message})");
        }
    }

    // TODO: untested against a real OpenAI TorchScript release (none on this machine, and TorchSharp cannot write
    // one); only the refusal of a broken archive is tested.
    private static Dictionary<string, Tensor> ReadTorchScript(string path)
    {
        jit.ScriptModule module;
        try
        {
            module = jit.load(path, CPU);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: cannot load the TorchScript archive ({e.Message})", e);
        }
        using var loaded = module;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in loaded.state_dict()) result[key] = tensor.detach().clone();
        return result;
    }

    private static Dictionary<string, Tensor> ReadPickle(string path)
    {
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: cannot read the PyTorch pickle ({e.GetType().Name}: " +
                                           $"{e.Message})", e);
        }
        // open_clip and training scripts wrap the weights: {"state_dict": {...}, "epoch": ...}.
        foreach (var wrapper in new[] { "state_dict", "model", "module" })
        {
            if (table[wrapper] is Hashtable inner) table = inner;
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string key && entry.Value is Tensor tensor) result[key] = tensor;
        }
        if (result.Count == 0)
            throw new InvalidDataException($"{path}: the pickle holds no tensors under string keys");
        return result;
    }
}
