using System.Numerics;
using CsCheck;
using TorchSharp;
using static Ham.Algorithms.Tests.Fixtures;

namespace Ham.Algorithms.Tests;

/// <summary>DARE's drop mask, and DARE merges on the fused kernel against the step-by-step reference.</summary>
public sealed class DareTests
{
    // Shapes of one to three dimensions whose sizes run from a few entries to a few of the kernel's 65,536-entry
    // chunks, so that vector lanes, scalar tails and chunk boundaries all occur.
    private static readonly Gen<long[]> Shape = Gen.OneOf(
        Gen.Int[1, 300].Select(n => new long[] { n }),
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 40]).Select((a, b) => new long[] { a, b }),
        Gen.Int[65_000, 140_000].Select(n => new long[] { n }),
        Gen.Select(Gen.Int[200, 700], Gen.Int[200, 400]).Select((a, b) => new long[] { a, b }),
        Gen.Select(Gen.Int[1, 9], Gen.Int[90, 130], Gen.Int[90, 130]).Select((a, b, c) => new long[] { a, b, c }));

    [Fact]
    public void Fused_dare_equals_the_step_by_step_merge()
    {
        Gen.Select(Shape, Gen.Int[1, 4], Gen.Double[0, 0.95], Gen.Double[0, 1], Gen.Bool, Gen.Int[0, int.MaxValue])
            .Sample((shape, count, dropRate, density, electSign, seed) =>
            {
                var (pretrained, models) = Inputs(shape, count, seed);
                var weights = Enumerable.Range(1, count).Select(k => 1.0 / k).ToArray();
                var config = new GeneralizedTaskArithmetic(Lambda: 0.8, Density: density, DropRate: dropRate,
                    Seed: seed, ElectSign: electSign);
                var difference = Fixtures.FusedAgainstStepwise(config, pretrained, models, weights);
                Assert.True(difference < 1e-5, $"max difference {difference}");
            }, iter: 40, seed: "0aB3cDdare01");
    }

    [Fact]
    public void Fused_and_step_by_step_paths_drop_the_same_entries_bit_for_bit()
    {
        // One model against a zero θ0, λ = 1, no trim, a sum: both outputs are τ' = m ⊙ τ / (1 − p) itself.
        Gen.Select(Shape, Gen.Double[0.01, 0.99], Gen.Long, Gen.Int[0, int.MaxValue])
            .Sample((shape, dropRate, maskSeed, seed) =>
            {
                using var pretrained = torch.zeros(shape);
                using var model = torch.randn(shape, generator: new torch.Generator((ulong)seed));
                var config = new GeneralizedTaskArithmetic(DropRate: dropRate, Seed: maskSeed);
                using var fused = FusedMergeKernel.Merge(config, "layer.w", pretrained, [model], [1.0],
                    torch.ScalarType.Float32);
                using var stepwise = Merge.Stepwise(config, "layer.w", pretrained, [model], [1.0],
                    torch.ScalarType.Float32);
                Assert.True(SameBits(fused, stepwise));
            }, iter: 30, seed: "0aB3cDdare02");
    }

    [Fact]
    public void Dare_ties_keeps_every_survivor_when_the_density_exceeds_the_keep_probability()
    {
        // p = 0.9 leaves about a tenth of τ non-zero; a density of 0.2 then puts the trim threshold at 0, among
        // the dropped entries, so that the trim keeps every survivor.
        var (pretrained, models) = Inputs([300_000], 2, seed: 3);
        var config = new GeneralizedTaskArithmetic(Density: 0.2, DropRate: 0.9, Seed: 1);
        using var trimmed = FusedMergeKernel.Merge(config, "w", pretrained, models, [1.0, 1.0],
            torch.ScalarType.Float32);
        using var untrimmed = FusedMergeKernel.Merge(config with { Density = 1 }, "w", pretrained, models,
            [1.0, 1.0], torch.ScalarType.Float32);
        using var stepwise = Merge.Stepwise(config, "w", pretrained, models, [1.0, 1.0], torch.ScalarType.Float32);
        Assert.True(SameBits(trimmed, untrimmed));
        using var difference = (trimmed - stepwise).abs().max();
        Assert.True(difference.item<float>() < 1e-6, $"max difference {difference.item<float>()}");
    }

    [Fact]
    public void Drop_mask_does_not_depend_on_how_the_entries_are_split()
    {
        Gen.Select(Gen.Int[1, 5000], Gen.Double[0, 1], Gen.Long, Gen.Int[0, int.MaxValue])
            .Sample((size, dropRate, tensorSeed, splitSeed) =>
            {
                var mask = new DropMask(dropRate, tensorSeed);
                var whole = new byte[size];
                mask.Fill(0, whole);

                var pieces = new byte[size];
                var random = new Random(splitSeed);
                for (var start = 0; start < size;)
                {
                    var length = Math.Min(size - start, random.Next(1, 700));
                    mask.Fill(start, pieces.AsSpan(start, length));
                    start += length;
                }
                Assert.Equal(whole, pieces);
                Assert.All(Enumerable.Range(0, size), i => Assert.Equal(whole[i] == 1, mask.Keeps(i)));
            }, iter: 100, seed: "0aB3cDdare03");
    }

    [Fact]
    public void Vector_hashes_equal_the_entry_by_entry_hash()
    {
        // Starts beyond 2^32 too, where the high word of the index enters the hash.
        Gen.Select(Gen.Long[0, long.MaxValue / 2], Gen.Long).Sample((start, tensorSeed) =>
        {
            var aligned = start / Vector<uint>.Count * Vector<uint>.Count;
            var mask = new DropMask(0.5, tensorSeed);
            var lanes = mask.Hashes(aligned);
            for (var lane = 0; lane < Vector<uint>.Count; lane++)
                Assert.Equal(mask.Hash(aligned + lane), lanes[lane]);
        }, iter: 200, seed: "0aB3cDdare04");
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Dare_keeps_a_one_minus_p_fraction_of_the_entries(double dropRate)
    {
        // n entries kept independently with probability 1 − p: the kept count is within 6 standard deviations.
        const int size = 300_000;
        using var pretrained = torch.zeros(size);
        using var model = torch.ones(size);
        var config = new GeneralizedTaskArithmetic(DropRate: dropRate, Seed: 5);
        using var merged = FusedMergeKernel.Merge(config, "w", pretrained, [model], [1.0], torch.ScalarType.Float32);
        using var keptCount = merged.count_nonzero();
        var deviation = Math.Sqrt(size * dropRate * (1 - dropRate));
        Assert.InRange(keptCount.item<long>(), size * (1 - dropRate) - 6 * deviation,
            size * (1 - dropRate) + 6 * deviation);
    }

    [Fact]
    public void Masks_of_different_models_keys_and_seeds_differ()
    {
        // Were the mask shared, DARE would drop the same entries of every task vector.
        var seeds = new[]
        {
            MergeSteps.TensorSeed(0, 0, "w"), MergeSteps.TensorSeed(0, 1, "w"), MergeSteps.TensorSeed(0, 0, "b"),
            MergeSteps.TensorSeed(1, 0, "w"),
        };
        var masks = seeds.Select(s =>
        {
            var keep = new byte[4096];
            new DropMask(0.5, s).Fill(0, keep);
            return keep;
        }).ToArray();
        for (var a = 0; a < masks.Length; a++)
        for (var b = a + 1; b < masks.Length; b++)
        {
            // Independent masks at p = 1/2 agree on half the entries: 2048 ± 32 (one standard deviation).
            var agreeing = masks[a].Zip(masks[b]).Count(pair => pair.First == pair.Second);
            Assert.InRange(agreeing, 2048 - 6 * 32, 2048 + 6 * 32);
        }
    }

    [Fact]
    public void Drop_rate_zero_equals_the_inner_method()
    {
        Gen.Select(MergeCaseGen, Gen.Double[0, 1]).Sample((merge, density) =>
        {
            var (pretrained, models) = merge;
            Assert.True(BitIdentical(Merge.Models(new Dare(0, 9, new TaskArithmetic(0.7)), pretrained, models, Groups),
                Merge.Models(new TaskArithmetic(0.7), pretrained, models, Groups)));
            Assert.True(BitIdentical(Merge.Models(new Dare(0, 9, new Ties(density, 1)), pretrained, models, Groups),
                Merge.Models(new Ties(density, 1), pretrained, models, Groups)));
        }, iter: 40, seed: "0aB3cDdare05");
    }

    [Fact]
    public void Drop_rate_one_gives_the_pretrained_tensor_on_both_paths()
    {
        Gen.Select(Shape, Gen.Int[1, 4], Gen.Bool, Gen.Int[0, int.MaxValue]).Sample((shape, count, electSign, seed) =>
        {
            var (pretrained, models) = Inputs(shape, count, seed);
            var weights = Enumerable.Repeat(1.0, count).ToArray();
            var config = new GeneralizedTaskArithmetic(DropRate: 1, Density: 0.5, ElectSign: electSign);
            using var fused = FusedMergeKernel.Merge(config, "w", pretrained, models, weights,
                torch.ScalarType.Float32);
            using var stepwise = Merge.Stepwise(config, "w", pretrained, models, weights, torch.ScalarType.Float32);
            Assert.True(SameBits(fused, pretrained));
            Assert.True(SameBits(stepwise, pretrained));
        }, iter: 20, seed: "0aB3cDdare06");
    }

    // θ0 ~ N(0, 1) and θ_k = θ0 + 0.01 N(0, 1)
    private static (torch.Tensor Pretrained, torch.Tensor[] Models) Inputs(long[] shape, int count, int seed)
    {
        var generator = new torch.Generator((ulong)seed);
        var pretrained = torch.randn(shape, generator: generator);
        var models = Enumerable.Range(0, count)
            .Select(_ => pretrained + torch.randn(shape, generator: generator).mul_(0.01)).ToArray();
        return (pretrained, models);
    }
}
