using TorchSharp;

namespace Ham.Algorithms.Tests;

/// <summary>Small model dictionaries for the tests.</summary>
internal static class Fixtures
{
    public static torch.Tensor Vector(params float[] values) => torch.tensor(values);

    public static Dictionary<string, torch.Tensor> Model(params (string Key, torch.Tensor Tensor)[] tensors) =>
        tensors.ToDictionary(t => t.Key, t => t.Tensor);

    public static float[] Values(torch.Tensor tensor) =>
        tensor.to(torch.ScalarType.Float32).contiguous().data<float>().ToArray();

    /// <summary>Max |a − b| over the floating tensors of two models with the same keys.</summary>
    public static double MaxDifference(IReadOnlyDictionary<string, torch.Tensor> a,
        IReadOnlyDictionary<string, torch.Tensor> b)
    {
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        var max = 0.0;
        foreach (var key in a.Keys)
        {
            using var x = a[key].to(torch.ScalarType.Float64);
            using var y = b[key].to(torch.ScalarType.Float64);
            using var difference = (x - y).abs().max();
            max = Math.Max(max, difference.item<double>());
        }
        return max;
    }

    public static IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> List(
        params Dictionary<string, torch.Tensor>[] models) => models;
}
