using CsCheck;
using TorchSharp;
using static Ham.Algorithms.Tests.Fixtures;

namespace Ham.Algorithms.Tests;

public sealed class MergePropertyTests
{
    private const double Rounding = 1e-5;

    // The methods whose merge of K copies of θ is θ itself (λ = 1 on a mean; TA with λ = 1/K).
    private static IEnumerable<MergeMethod> IdempotentMethods(int count) =>
    [
        new Soup(), new Ties(Density: 1, Lambda: 1), new Rhm(Density: 1, Lambda: 1),
        new Rhm(Density: 1, Lambda: 1, UseRedundancyWeights: false), new TaskArithmetic(Lambda: 1.0 / count),
        new Dare(DropRate: 0, Inner: new Ties(Density: 1, Lambda: 1)),
    ];

    [Fact]
    public void Merging_copies_of_one_model_returns_that_model()
    {
        Gen.Select(ModelGen, ModelGen, Gen.Int[1, 4]).Sample((pretrained, model, count) =>
        {
            var copies = Enumerable.Repeat<IReadOnlyDictionary<string, torch.Tensor>>(model, count).ToList();
            foreach (var method in IdempotentMethods(count))
            {
                var merged = Merge.Models(method, pretrained, copies, Groups);
                Assert.True(MaxDifference(merged, model) < Rounding, $"{method} of {count} copies");
            }
        }, iter: 60, seed: "edGXwI_Wl6S3");
    }

    [Fact]
    public void Merge_does_not_depend_on_the_order_of_the_models()
    {
        // Values on a grid of 1/64, so that sums of a few of them are exact: a sign sum that is 0 only up to
        // rounding (1 + 1e-12 − 1) is decided by the summation order in any floating-point TIES, and is excluded.
        var gridModel = Gen.Int[-64, 64].Array[Shapes.Sum(s => (int)s.Shape.Aggregate(1L, (a, b) => a * b))]
            .Select(values => FromFlat(values.Select(v => v / 64f).ToArray()));
        var merges = Gen.Select(gridModel, gridModel.Array[1, 4]);
        Gen.Select(merges, Gen.Double[0, 1], Gen.Int[0, 1000]).Sample((merge, density, shuffleSeed) =>
        {
            var (pretrained, models) = merge;
            var shuffled = models.ToArray();
            new Random(shuffleSeed).Shuffle(shuffled);
            MergeMethod[] methods =
            [
                new TaskArithmetic(0.7), new Soup(), new Ties(density, 0.9), new Rhm(density, 1.1),
                new Rhm(density, 1, UseRedundancyWeights: false),
            ];
            foreach (var method in methods)
            {
                var inOrder = Merge.Models(method, pretrained, models, Groups);
                var reordered = Merge.Models(method, pretrained, shuffled, Groups);
                Assert.True(MaxDifference(inOrder, reordered) < Rounding, $"{method}");
            }
        }, iter: 60, seed: "3crzCoyVvqr1");
    }

    [Fact]
    public void Lambda_zero_returns_the_pretrained_model_bit_for_bit()
    {
        Gen.Select(MergeCaseGen, Gen.Double[0, 1]).Sample((merge, density) =>
        {
            var (pretrained, models) = merge;
            MergeMethod[] methods =
            [
                new TaskArithmetic(0), new Ties(density, 0), new Rhm(density, 0),
                new Dare(0.5, 3, new TaskArithmetic(0)), new Dare(0.5, 3, new Ties(density, 0)),
            ];
            foreach (var method in methods)
                Assert.True(BitIdentical(Merge.Models(method, pretrained, models, Groups), pretrained), $"{method}");
        }, iter: 40, seed: "2Dcyn2OY6mQ2");
    }

    [Fact]
    public void Ties_trim_keeps_the_density_fraction_of_entries_and_the_largest_ones()
    {
        // Distinct magnitudes in random order and with random signs, so that the top-d set is unique.
        var distinct = Gen.Select(Gen.Int[1, 200], Gen.Int[0, int.MaxValue]).Select((count, seed) =>
        {
            var random = new Random(seed);
            var values = Enumerable.Range(1, count).Select(i => (random.Next(2) * 2 - 1) * i * 0.37f).ToArray();
            random.Shuffle(values);
            return values;
        });
        Gen.Select(distinct, Gen.Double[0, 1]).Sample((values, density) =>
        {
            using var taskVector = torch.tensor(values);
            MergeSteps.TrimToDensity_(taskVector, density);
            var kept = Values(taskVector);
            var expected = (long)Math.Round(density * values.Length, MidpointRounding.AwayFromZero);
            Assert.Equal(expected, kept.Count(v => v != 0));

            var keptMagnitudes = values.Where((_, i) => kept[i] != 0).Select(Math.Abs).DefaultIfEmpty(float.MaxValue);
            var droppedMagnitudes = values.Where((_, i) => kept[i] == 0).Select(Math.Abs).DefaultIfEmpty(0);
            Assert.True(keptMagnitudes.Min() > droppedMagnitudes.Max());
            Assert.All(kept.Where(v => v != 0), v => Assert.Contains(v, values));
        }, iter: 300, seed: "dSC0fmjyqpm1");
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Dare_expectation_equals_the_input(double dropRate)
    {
        // 20,000 independent draws of DARE on each of 8 entries (one seed, fixed: the test is deterministic).
        // Each entry's mean has standard deviation |τ| sqrt(p / (1 − p) / 20,000); 6 of them bound it.
        const int draws = 20_000;
        float[] entries = [0.5f, -1f, 2f, -0.25f, 1.5f, -3f, 0.75f, 1f];
        using var taskVector = torch.tensor(entries).repeat(draws, 1);
        MergeSteps.DropAndRescale_(taskVector, dropRate, tensorSeed: 12345);
        var mean = Values(taskVector.mean([0]));
        for (var i = 0; i < entries.Length; i++)
        {
            var deviation = Math.Abs(entries[i]) * Math.Sqrt(dropRate / (1 - dropRate) / draws);
            Assert.InRange(mean[i], entries[i] - 6 * deviation, entries[i] + 6 * deviation);
        }
    }

    [Fact]
    public void Dare_rescales_each_kept_entry_by_one_over_keep_probability()
    {
        using var taskVector = torch.tensor(new float[] { 1, -2, 3, -4 }).repeat(100);
        using var original = taskVector.clone();
        MergeSteps.DropAndRescale_(taskVector, 0.75, tensorSeed: 1);
        var dropped = Values(taskVector);
        var input = Values(original);
        Assert.All(dropped.Select((v, i) => (v, i)), p => Assert.True(p.v == 0 || p.v == input[p.i] * 4));
        Assert.InRange(dropped.Count(v => v != 0), 60, 140);
    }

    [Fact]
    public void Rhm_with_a_duplicated_candidate_equals_rhm_without_it()
    {
        // Distinct candidates with disjoint supports have c_ij = 0, so a duplicate's copies share one weight.
        // (For 0 < c_ij < 1 the formula w_i = 1/Σ_j c_ij does not make duplicates exactly neutral.)
        var size = Shapes.Sum(s => (int)s.Shape.Aggregate(1L, (a, b) => a * b));
        var candidates = Gen.Select(Gen.Int[2, 4], Gen.Int[0, int.MaxValue]).Select((count, seed) =>
        {
            var random = new Random(seed);
            var owner = Enumerable.Range(0, size).Select(_ => random.Next(count)).ToArray();
            return Enumerable.Range(0, count).Select(c => Enumerable.Range(0, size)
                .Select(i => owner[i] == c ? (float)(random.NextDouble() * 2 - 1) : 0f).ToArray()).ToArray();
        });
        Gen.Select(ModelGen, candidates, Gen.Int[0, 3], Gen.Double[0.2, 1])
            .Sample((pretrained, taskVectors, pick, density) =>
        {
            var models = taskVectors.Select(t => Plus(pretrained, FromFlat(t))).ToList();
            var duplicated = models.Append(Clone(models[pick % models.Count])).ToList();
            var method = new Rhm(density, 1);
            var without = Merge.Models(method, pretrained, models, Groups);
            var with = Merge.Models(method, pretrained, duplicated, Groups);
            Assert.True(MaxDifference(without, with) < Rounding);
        }, iter: 60, seed: "5YwWErtN61h1");
    }

    [Fact]
    public void Rhm_with_pseudo_inverse_weights_is_unchanged_by_a_duplicate_of_overlapping_candidates()
    {
        // Dense random task vectors overlap (0 < c_ij < 1), where the row-sum rule shifts the weights; C⁺1 does not.
        var size = Shapes.Sum(s => (int)s.Shape.Aggregate(1L, (a, b) => a * b));
        var candidates = Gen.Select(Gen.Int[2, 4], Gen.Int[0, int.MaxValue]).Select((count, seed) =>
        {
            var random = new Random(seed);
            var shared = Enumerable.Range(0, size).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            return Enumerable.Range(0, count).Select(_ => shared
                .Select(v => (float)(v + random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        });
        Gen.Select(ModelGen, candidates, Gen.Int[0, 3], Gen.Double[0.2, 1])
            .Sample((pretrained, taskVectors, pick, density) =>
        {
            var models = taskVectors.Select(t => Plus(pretrained, FromFlat(t))).ToList();
            var duplicated = models.Append(Clone(models[pick % models.Count])).ToList();
            var method = new Rhm(density, 1, Rule: RedundancyRule.PseudoInverse);
            var without = Merge.Models(method, pretrained, models, Groups);
            var with = Merge.Models(method, pretrained, duplicated, Groups);
            Assert.True(MaxDifference(without, with) < Rounding);
        }, iter: 40, seed: "pinvDup0001a");
    }

    [Fact]
    public void Row_sum_weights_shift_under_a_duplicate_of_an_overlapping_candidate_and_pseudo_inverse_ones_do_not()
    {
        // a and b with cos 0.5; duplicating a: the row-sum rule gives the two copies of a 1.6× b's weight in
        // all, where a alone had b's; C⁺1 splits a's weight between its copies and leaves b's share.
        var pair = new double[,] { { 1, 0.5 }, { 0.5, 1 } };
        var triple = new double[,] { { 1, 1, 0.5 }, { 1, 1, 0.5 }, { 0.5, 0.5, 1 } };
        var rowSum = Redundancy.Weights(triple, RedundancyRule.RowSum);
        Assert.Equal(1.6, (rowSum[0] + rowSum[1]) / rowSum[2], 9);
        var before = Redundancy.Weights(pair, RedundancyRule.PseudoInverse);
        var after = Redundancy.Weights(triple, RedundancyRule.PseudoInverse);
        Assert.Equal(before[0], after[0] + after[1], 9);
        Assert.Equal(before[1], after[2], 9);
        Assert.Equal(after[0], after[1], 9);
    }

    [Fact]
    public void Both_redundancy_rules_agree_on_clusters_of_identical_candidates()
    {
        var gram = new double[,] { { 1, 1, 1, 0 }, { 1, 1, 1, 0 }, { 1, 1, 1, 0 }, { 0, 0, 0, 1 } };
        var rowSum = Redundancy.Weights(gram, RedundancyRule.RowSum);
        var pseudoInverse = Redundancy.Weights(gram, RedundancyRule.PseudoInverse);
        for (var i = 0; i < 4; i++) Assert.Equal(rowSum[i], pseudoInverse[i], 9);
    }

    [Fact]
    public void Redundancy_weights_give_a_cluster_of_duplicates_the_weight_of_one()
    {
        // Two orthogonal directions a, b; a appears three times: each copy gets a third of b's weight.
        var gram = new double[,] { { 1, 1, 1, 0 }, { 1, 1, 1, 0 }, { 1, 1, 1, 0 }, { 0, 0, 0, 1 } };
        var weights = Redundancy.Weights(gram);
        Assert.Equal(1.0, weights.Sum(), 12);
        Assert.Equal(weights[3], weights[0] * 3, 12);
        Assert.Equal(weights[0], weights[2], 12);
    }

    [Fact]
    public void Merge_never_modifies_its_inputs()
    {
        MergeCaseGen.Sample(merge =>
        {
            var (pretrained, models) = merge;
            var pretrainedBefore = Clone(pretrained);
            var modelsBefore = models.Select(m => Clone(m)).ToArray();
            MergeMethod[] methods =
            [
                new TaskArithmetic(0.5), new Soup(), new Ties(0.5, 1), new Dare(0.5, 1),
                new Dare(0.3, 2, new Ties(0.6, 1)), new Rhm(0.4, 1),
            ];
            foreach (var method in methods) Merge.Models(method, pretrained, models, Groups);
            if (models.Length == 1) Merge.Models(new WiseFt(0.3), pretrained, models, Groups);
            Assert.True(BitIdentical(pretrained, pretrainedBefore));
            for (var k = 0; k < models.Length; k++) Assert.True(BitIdentical(models[k], modelsBefore[k]));
        }, iter: 30, seed: "edGXwI_Wl6S3");
    }

    private static Dictionary<string, torch.Tensor> Plus(
        IReadOnlyDictionary<string, torch.Tensor> a, IReadOnlyDictionary<string, torch.Tensor> b) =>
        a.ToDictionary(p => p.Key, p => p.Value + b[p.Key]);
}
