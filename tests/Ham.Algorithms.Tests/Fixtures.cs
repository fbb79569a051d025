using CsCheck;
using TorchSharp;

namespace Ham.Algorithms.Tests;

/// <summary>Small models, generators of them and comparisons, for the tests.</summary>
internal static class Fixtures
{
    /// <summary>The keys and shapes of the small models the properties merge.</summary>
    public static readonly (string Key, long[] Shape)[] Shapes =
        [("block.w", [3, 4]), ("block.b", [4]), ("head", [5])];

    /// <summary>Two parameter groups over <see cref="Shapes"/>; "head" is left to a group of its own.</summary>
    public static readonly ParameterGroup[] Groups = [new("block", ["block.w", "block.b"])];

    public static torch.Tensor Vector(params float[] values) => torch.tensor(values);

    public static Dictionary<string, torch.Tensor> Model(params (string Key, torch.Tensor Tensor)[] tensors) =>
        tensors.ToDictionary(t => t.Key, t => t.Tensor);

    public static float[] Values(torch.Tensor tensor) =>
        tensor.to(torch.ScalarType.Float32).contiguous().data<float>().ToArray();

    public static IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> List(
        params IReadOnlyDictionary<string, torch.Tensor>[] models) => models;

    /// <summary>A model with <see cref="Shapes"/>, values in [−1, 1].</summary>
    public static Gen<Dictionary<string, torch.Tensor>> ModelGen { get; } =
        Gen.Float[-1f, 1f].Array[Shapes.Sum(s => (int)s.Shape.Aggregate(1L, (a, b) => a * b))].Select(FromFlat);

    /// <summary>θ0 and 1–4 models.</summary>
    public static Gen<(Dictionary<string, torch.Tensor> Pretrained, Dictionary<string, torch.Tensor>[] Models)>
        MergeCaseGen { get; } = Gen.Select(ModelGen, ModelGen.Array[1, 4]);

    /// <summary>A model with <see cref="Shapes"/> from its values in key order.</summary>
    public static Dictionary<string, torch.Tensor> FromFlat(float[] values)
    {
        var model = new Dictionary<string, torch.Tensor>();
        var offset = 0;
        foreach (var (key, shape) in Shapes)
        {
            var size = (int)shape.Aggregate(1L, (a, b) => a * b);
            model[key] = torch.tensor(values.AsSpan(offset, size).ToArray()).reshape(shape);
            offset += size;
        }
        return model;
    }

    /// <summary>
    /// max |fused − step-by-step| of one tensor's merge, over the entries whose elected sign is not a tie; asserts
    /// first that the fused kernel takes it, and that ties are rare. A tie is an entry where the weighted sum of
    /// the kept τ'_k is zero up to float rounding (computed in float64, see SignTies): the two paths round that sum
    /// differently (ATen's add with alpha is a fused multiply-add, the kernel's is not), so one may see an exact 0
    /// (the tensor's majority sign) where the other sees ±1e-10, and the disjoint means then differ by a whole τ.
    /// </summary>
    public static float FusedAgainstStepwise(GeneralizedTaskArithmetic config, torch.Tensor pretrained,
        torch.Tensor[] models, double[] weights)
    {
        Xunit.Assert.True(FusedMergeKernel.Applies(config, pretrained, models));
        using var scope = torch.NewDisposeScope();
        var fused = FusedMergeKernel.Merge(config, "w", pretrained, models, weights, torch.ScalarType.Float32);
        var stepwise = Merge.Stepwise(config, "w", pretrained, models, weights, torch.ScalarType.Float32);
        var difference = (fused - stepwise).abs();
        if (config.ElectSign)
        {
            var ties = SignTies(config, pretrained, models, weights);
            var tieCount = ties.sum().item<long>();
            Xunit.Assert.True(tieCount <= Math.Max(2, pretrained.numel() / 1000),
                $"{tieCount} of {pretrained.numel()} entries are sign ties");
            difference = difference.masked_fill(ties, 0);
        }
        return difference.max().item<float>();
    }

    // entries where |Σ_k w_k τ'_k| ≤ 1e-5 Σ_k |w_k τ'_k| (kept values, float64), τ' as the step-by-step path makes
    // it: a float32 sum of K rounded products errs by up to about (K + 1) · 6e-8 of Σ_k |w_k τ'_k|, 1e-6 at K = 16
    private static torch.Tensor SignTies(GeneralizedTaskArithmetic config, torch.Tensor pretrained,
        torch.Tensor[] models, double[] weights)
    {
        var mass = torch.zeros(pretrained.shape, torch.ScalarType.Float64);
        var magnitude = torch.zeros(pretrained.shape, torch.ScalarType.Float64);
        for (var k = 0; k < models.Length; k++)
        {
            var tau = Merge.DroppedAndTrimmed(config, "w", k, models[k], pretrained, torch.ScalarType.Float32);
            var weighted = tau.to(torch.ScalarType.Float64).mul_(weights[k]);
            mass.add_(weighted);
            magnitude.add_(weighted.abs());
        }
        return mass.abs().le(magnitude.mul(1e-5)).logical_and(magnitude.gt(0));
    }

    /// <summary>Max |a − b| over the tensors of two models with the same keys.</summary>
    public static double MaxDifference(IReadOnlyDictionary<string, torch.Tensor> a,
        IReadOnlyDictionary<string, torch.Tensor> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        var max = 0.0;
        foreach (var key in a.Keys)
        {
            Assert.Equal(a[key].shape, b[key].shape);
            using var x = a[key].to(torch.ScalarType.Float64);
            using var y = b[key].to(torch.ScalarType.Float64);
            using var difference = (x - y).abs().max();
            max = Math.Max(max, difference.item<double>());
        }
        return max;
    }

    /// <summary>Whether two models hold bit-identical tensors of the same dtypes.</summary>
    public static bool BitIdentical(IReadOnlyDictionary<string, torch.Tensor> a,
        IReadOnlyDictionary<string, torch.Tensor> b) =>
        a.Keys.Order().SequenceEqual(b.Keys.Order())
        && a.All(p => SameBits(p.Value, b[p.Key]));

    public static bool SameBits(torch.Tensor a, torch.Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var x = a.contiguous();
        using var y = b.contiguous();
        return x.bytes.SequenceEqual(y.bytes);
    }

    public static Dictionary<string, torch.Tensor> Clone(IReadOnlyDictionary<string, torch.Tensor> model) =>
        model.ToDictionary(p => p.Key, p => p.Value.clone());
}
