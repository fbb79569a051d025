using TorchSharp;
using static Ham.Algorithms.Tests.Fixtures;

namespace Ham.Algorithms.Tests;

/// <summary>Finite inputs whose merge is not finite: refused with the key, never written as ±∞ or NaN.</summary>
public sealed class BreakerMergeTests
{
    [Fact]
    public void The_step_by_step_trim_takes_transposed_views()
    {
        // float64 goes the step-by-step way; θ − θ0 of transposed views is itself non-contiguous, and the trim
        // flattened it with view(-1), which ATen refuses for such a tensor.
        using var theta0 = torch.zeros(3, 2, torch.ScalarType.Float64).t();
        using var theta = torch.arange(6, torch.ScalarType.Float64).reshape(3, 2).t();   // |τ| = 0 2 4 / 1 3 5
        using var merged = Merge.Tensor(new GeneralizedTaskArithmetic(Density: 0.5), "w", theta0, [theta], [1.0],
            torch.ScalarType.Float64);
        Assert.Equal(new double[] { 0, 0, 4, 0, 3, 5 }, merged.contiguous().data<double>().ToArray());
    }

    [Theory]
    [InlineData(1e300)] // λ is finite as a double but not as float32: 0 · ∞ gave NaN where τ = 0
    [InlineData(1e38)]  // λ fits float32, λ τ does not
    public void A_lambda_that_overflows_float32_is_an_error_naming_the_key(double lambda)
    {
        var pretrained = Model(("layer.w", Vector(1, 2, 3)));
        var model = Model(("layer.w", Vector(1, 12, 3)));

        var error = Assert.Throws<InvalidDataException>(
            () => Merge.Models(new TaskArithmetic(lambda), pretrained, List(model), []));

        Assert.Contains("'layer.w'", error.Message);
        Assert.Contains("overflows", error.Message);
    }

    [Fact]
    public void A_value_beyond_the_output_dtype_is_an_error_not_infinity()
    {
        // 70000 is a fine float32 but beyond float16's largest finite value (65504).
        var pretrained = Model(("w", Vector(70000, 1)));
        var model = Model(("w", Vector(70000, 2)));

        var error = Assert.Throws<InvalidDataException>(() =>
            Merge.Models(new Ties(Density: 1, Lambda: 1), pretrained, List(model), [], torch.ScalarType.Float16));

        Assert.Contains("'w'", error.Message);
        Assert.Contains("Float16", error.Message);
    }

    [Fact]
    public void A_finite_merge_still_passes_the_output_check()
    {
        var pretrained = Model(("w", Vector(1, 2)));
        var model = Model(("w", Vector(3, 2)));

        var merged = Merge.Models(new TaskArithmetic(0.5), pretrained, List(model), [], torch.ScalarType.Float16);

        Assert.Equal(torch.ScalarType.Float16, merged["w"].dtype);
        Assert.Equal([2f, 2f], Values(merged["w"]));
    }
}
