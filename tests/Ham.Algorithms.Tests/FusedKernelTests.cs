using CsCheck;
using TorchSharp;

namespace Ham.Algorithms.Tests;

public sealed class FusedKernelTests
{
    // Sizes around the kernel's chunk of 65,536 entries, so that several chunks and a partial one run.
    private static readonly Gen<int> Size = Gen.OneOf(Gen.Int[1, 300], Gen.Int[65_000, 140_000]);

    [Fact]
    public void Fused_kernel_equals_the_step_by_step_merge()
    {
        Gen.Select(Size, Gen.Int[1, 5], Gen.Double[0, 1], Gen.Int[0, int.MaxValue], Gen.Bool)
            .Sample((size, count, density, seed, electSign) =>
            {
                var generator = new torch.Generator((ulong)seed);
                using var pretrained = torch.randn(size, generator: generator);
                var models = Enumerable.Range(0, count)
                    .Select(_ => pretrained + torch.randn(size, generator: generator).mul_(0.01)).ToArray();
                var weights = Enumerable.Range(1, count).Select(k => 1.0 / k).ToArray();
                var config = new GeneralizedTaskArithmetic(Lambda: 0.8, Density: density, ElectSign: electSign);
                Assert.True(FusedMergeKernel.Applies(config, pretrained, models));
                using var fused = FusedMergeKernel.Merge(config, "w", pretrained, models, weights,
                    torch.ScalarType.Float32);
                using var stepwise = Merge.Stepwise(config, "w", pretrained, models, weights,
                    torch.ScalarType.Float32);
                using var difference = (fused - stepwise).abs().max();
                Assert.True(difference.item<float>() < 1e-5, $"max difference {difference.item<float>()}");
            }, iter: 40);
    }

    [Fact]
    public void Fused_trim_keeps_exactly_the_density_fraction()
    {
        Gen.Select(Size, Gen.Double[0, 1], Gen.Int[0, int.MaxValue]).Sample((size, density, seed) =>
        {
            // One model against a zero θ0 with λ = 1 and no sign election: the output is the trimmed τ.
            var generator = new torch.Generator((ulong)seed);
            using var pretrained = torch.zeros(size);
            using var model = torch.randn(size, generator: generator);
            var config = new GeneralizedTaskArithmetic(Lambda: 1, Density: density);
            using var trimmed = FusedMergeKernel.Merge(config, "w", pretrained, [model], [1.0],
                torch.ScalarType.Float32);
            using var nonZero = trimmed.count_nonzero();
            Assert.Equal(MergeSteps.KeptCount(size, density), nonZero.item<long>());
        }, iter: 40);
    }

    [Fact]
    public void Fused_kernel_names_the_key_of_a_nan()
    {
        using var pretrained = torch.zeros(100_000);
        using var model = torch.zeros(100_000);
        model[70_000] = torch.tensor(float.NaN);
        var error = Assert.Throws<InvalidDataException>(() => FusedMergeKernel.Merge(new GeneralizedTaskArithmetic(),
            "layer.weight", pretrained, [model], [1.0], torch.ScalarType.Float32));
        Assert.Contains("'layer.weight' of model 0", error.Message);
    }
}
