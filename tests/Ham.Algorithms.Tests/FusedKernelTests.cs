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
                var difference = Fixtures.FusedAgainstStepwise(config, pretrained, models, weights);
                Assert.True(difference < 1e-5, $"max difference {difference}");
            }, iter: 40, seed: "dSC0fmjyqpm1");
    }

    [Fact]
    public void Fused_trim_keeps_exactly_the_density_fraction()
    {
        Gen.Select(Size, Gen.Double[0, 1], Gen.Int[0, int.MaxValue]).Sample((size, density, seed) =>
        {
            // One model against a zero θ0 with λ = 1 and no sign election: the output is the trimmed τ.
            // Distinct magnitudes (a permutation of 1..n with random signs), so that no entry ties the threshold.
            var generator = new torch.Generator((ulong)seed);
            using var pretrained = torch.zeros(size);
            using var signs = torch.randint(0, 2, [size], generator: generator).mul_(2).sub_(1);
            using var model = (torch.randperm(size, generator: generator) + 1).mul(signs).to(torch.ScalarType.Float32);
            var config = new GeneralizedTaskArithmetic(Lambda: 1, Density: density);
            using var trimmed = FusedMergeKernel.Merge(config, "w", pretrained, [model], [1.0],
                torch.ScalarType.Float32);
            using var nonZero = trimmed.count_nonzero();
            Assert.Equal(MergeSteps.KeptCount(size, density), nonZero.item<long>());
        }, iter: 40, seed: "5YwWErtN61h1");
    }

    [Fact]
    public void Radix_selection_fallback_finds_the_exact_threshold()
    {
        Gen.Select(Size, Gen.Double[0.01, 0.99], Gen.Int[0, int.MaxValue]).Sample((size, density, seed) =>
        {
            var generator = new torch.Generator((ulong)seed);
            using var pretrained = torch.randn(size, generator: generator);
            // Rounded task vectors: many ties, which the selection must count right.
            using var model = pretrained + torch.randn(size, generator: generator).mul_(8).round_().div_(8);
            var keep = MergeSteps.KeptCount(size, density);
            if (keep <= 0 || keep >= size) return;
            using var magnitude = (model - pretrained).abs();
            var (expected, index) = magnitude.kthvalue(size - keep + 1, 0, false);
            Assert.Equal(expected.item<float>(), FusedMergeKernel.RadixThreshold(pretrained, model, keep));
            expected.Dispose();
            index.Dispose();
        }, iter: 40, seed: "edGXwI_Wl6S3");
    }

    [Theory]
    [InlineData(5f, 1f)]
    [InlineData(-5f, -1f)]
    public void Fused_kernel_gives_cancelling_entries_the_sign_of_the_tensors_total(float last, float expected)
    {
        // 40 entries where +1 and −1 cancel exactly (whole vectors and a tail), then one entry that sets the total.
        using var pretrained = torch.zeros(41);
        using var a = torch.cat([torch.ones(40), torch.tensor(new[] { last })]);
        using var b = torch.cat([-torch.ones(40), torch.zeros(1)]);
        using var merged = FusedMergeKernel.Merge(new GeneralizedTaskArithmetic(ElectSign: true), "w", pretrained,
            [a, b], [1.0, 1.0], torch.ScalarType.Float32);
        var values = merged.data<float>().ToArray();
        Assert.All(values[..40], v => Assert.Equal(expected, v));
        Assert.Equal(last, values[40]);
    }

    [Fact]
    public void Fused_gram_equals_the_stacked_gram()
    {
        Gen.Select(Size, Gen.Int[1, 5], Gen.Int[0, int.MaxValue]).Sample((size, count, seed) =>
        {
            var generator = new torch.Generator((ulong)seed);
            using var pretrained = torch.randn(size, generator: generator);
            var models = Enumerable.Range(0, count)
                .Select(_ => pretrained + torch.randn(size, generator: generator).mul_(0.01)).ToArray();
            var fused = FusedMergeKernel.Gram(pretrained, models);
            var stacked = Redundancy.StackedGram(pretrained, models);
            for (var i = 0; i < count; i++)
            for (var j = 0; j < count; j++)
                Assert.True(Math.Abs(fused[i, j] - stacked[i, j]) <= 1e-4 * Math.Sqrt(fused[i, i] * fused[j, j]),
                    $"G[{i}, {j}]: fused {fused[i, j]}, stacked {stacked[i, j]}");
        }, iter: 30, seed: "3crzCoyVvqr1");
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
