using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>Copies between modules and name → tensor dictionaries (as merges, snapshots, checkpoints use).</summary>
public static class StateDicts
{
    /// <summary>Copies of the named tensors of <paramref name="module"/>'s state (all when null), on CPU when
    /// <paramref name="toCpu"/>; the caller owns them.</summary>
    public static Dictionary<string, Tensor> Copy(nn.Module module, IReadOnlyCollection<string>? keys = null,
        bool toCpu = false)
    {
        using var noGrad = no_grad();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in module.state_dict())
        {
            if (keys is not null && !keys.Contains(name)) continue;
            using var detached = tensor.detach();
            result[name] = toCpu ? detached.to(DeviceType.CPU, copy: true) : detached.clone();
        }
        return result;
    }

    /// <summary>Overwrites the module's tensors that <paramref name="values"/> names (shapes must agree; other
    /// tensors are left alone, unless <paramref name="requireAll"/>). <paramref name="prefix"/> is stripped from the
    /// keys of <paramref name="values"/>; <paramref name="source"/> (a file) is named in the errors.</summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> values, string prefix = "",
        bool requireAll = false, string source = "the weights")
    {
        using var noGrad = no_grad();
        var state = module.state_dict();
        var loaded = 0;
        foreach (var (key, value) in values)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var name = key[prefix.Length..];
            if (!state.TryGetValue(name, out var target))
                throw new InvalidDataException($"{source}: tensor '{key}' has no counterpart '{name}' in the encoder");
            if (!target.shape.SequenceEqual(value.shape))
                throw new InvalidDataException(
                    $"{source}: tensor '{key}' has shape [{string.Join(", ", value.shape)}], the encoder's " +
                    $"'{name}' has [{string.Join(", ", target.shape)}]");
            target.copy_(value);
            loaded++;
        }
        if (requireAll && loaded != state.Count)
        {
            var given = values.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
                .Select(k => k[prefix.Length..]).ToHashSet(StringComparer.Ordinal);
            var missing = state.Keys.Where(k => !given.Contains(k)).ToList();
            throw new InvalidDataException(
                $"{source}: {loaded} of the encoder's {state.Count} tensors" +
                (prefix.Length > 0 ? $" under '{prefix}'" : "") + $"; missing: {string.Join(", ", missing.Take(5))}" +
                (missing.Count > 5 ? $" and {missing.Count - 5} more" : ""));
        }
    }

    /// <summary>Disposes every tensor of a dictionary.</summary>
    public static void Dispose(IEnumerable<Tensor>? tensors)
    {
        if (tensors is null) return;
        foreach (var tensor in tensors) tensor.Dispose();
    }

    /// <summary>The same tensors under prefixed names (no copy).</summary>
    public static IEnumerable<KeyValuePair<string, Tensor>> Prefixed(string prefix,
        IReadOnlyDictionary<string, Tensor> values) =>
        values.Select(pair => KeyValuePair.Create(prefix + pair.Key, pair.Value));

    /// <summary>The tensors whose names start with <paramref name="prefix"/>, prefix removed (no copy).</summary>
    public static Dictionary<string, Tensor> Unprefixed(string prefix, IReadOnlyDictionary<string, Tensor> values) =>
        values.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key[prefix.Length..], pair => pair.Value, StringComparer.Ordinal);
}
