using TorchSharp;

namespace Ham.Algorithms;

/// <summary>Checks and dtype rules shared by the algorithms.</summary>
public static class Tensors
{
    /// <summary>Integer and boolean tensors (step counters, index buffers) are copied, never merged.</summary>
    public static bool IsMergeable(torch.ScalarType type) => torch.is_floating_point(type);

    /// <summary>Mixed inputs are computed in float32; float64 inputs keep float64 so as to lose nothing.</summary>
    public static torch.ScalarType ComputeType(IEnumerable<torch.ScalarType> types) =>
        types.Any(t => t == torch.ScalarType.Float64) ? torch.ScalarType.Float64 : torch.ScalarType.Float32;

    /// <summary>Throws InvalidDataException naming the key and source when a tensor holds a NaN or ±∞.</summary>
    public static void RequireFinite(torch.Tensor tensor, string key, string source)
    {
        if (!IsMergeable(tensor.dtype)) return;
        // One float64 reduction is finite exactly when every entry is (float64 cannot overflow on float32 sums);
        // only when it is not does the element-wise check run, to confirm.
        using var total = tensor.sum(torch.ScalarType.Float64);
        if (double.IsFinite(total.item<double>())) return;
        using var finite = torch.isfinite(tensor).all();
        if (!finite.item<bool>())
            throw new InvalidDataException(
                $"tensor '{key}' of {source} holds NaN or infinity; expected finite values");
    }

    /// <summary>Throws ArgumentException naming the key when a tensor's shape differs from the expected.</summary>
    public static void RequireShape(torch.Tensor tensor, torch.Tensor expected, string key, string source)
    {
        if (!tensor.shape.SequenceEqual(expected.shape))
            throw new ArgumentException(
                $"tensor '{key}' of {source} has shape [{string.Join(", ", tensor.shape)}], " +
                $"expected [{string.Join(", ", expected.shape)}] as in the pretrained model");
    }
}
