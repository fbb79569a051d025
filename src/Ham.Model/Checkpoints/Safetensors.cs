using Ham.Model.IO;
using TorchSharp;

namespace Ham.Model.Checkpoints;

/// <summary>Whole-file conveniences over <see cref="SafetensorsFile"/> and <see cref="SafetensorsWriter"/>.</summary>
public static class Safetensors
{
    /// <summary>Writes all tensors atomically, in the dictionary's order; the tensors stay the caller's.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, torch.Tensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var layout = tensors.Select(pair => SafetensorsLayout.Of(pair.Key, pair.Value)).ToList();
        AtomicFile.Write(path, stream =>
        {
            var writer = new SafetensorsWriter(stream, layout, metadata, path);
            foreach (var tensor in tensors.Values) writer.Append(tensor);
            writer.Complete();
        });
    }

    /// <summary>Reads every tensor of a file (converted to <paramref name="dtype"/> when given).</summary>
    public static Dictionary<string, torch.Tensor> ReadAll(string path, torch.ScalarType? dtype = null,
        torch.Device? device = null)
    {
        using var file = SafetensorsFile.Open(path);
        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in file.Entries)
            {
                result[entry.Name] = file.Read(entry, dtype, device);
                // Copied out: its mapped pages need not stay resident beside the copy until the file closes.
                file.ReleasePages(entry);
            }
        }
        catch
        {
            foreach (var tensor in result.Values) tensor.Dispose();
            throw;
        }
        return result;
    }
}
