using CsCheck;
using TorchSharp;
using static Ham.Algorithms.Tests.Fixtures;

namespace Ham.Algorithms.Tests;

public sealed class OpaTests
{
    // ⟨a, b⟩ over the group's keys, in float64
    private static double Dot(IReadOnlyDictionary<string, torch.Tensor> a,
        IReadOnlyDictionary<string, torch.Tensor> b, IEnumerable<string> keys) =>
        keys.Sum(key => (a[key].to(torch.ScalarType.Float64) * b[key].to(torch.ScalarType.Float64)).sum()
            .item<double>());

    // o_k = mean of the other models' original gradients
    private static Dictionary<string, torch.Tensor> MeanOfOthers(
        Dictionary<string, torch.Tensor>[] gradients, int k) =>
        gradients[0].Keys.ToDictionary(key => key, key => torch.stack(gradients.Where((_, j) => j != k)
            .Select(g => g[key].to(torch.ScalarType.Float64)).ToArray()).mean([0]));

    [Fact]
    public void After_alignment_no_model_conflicts_with_the_mean_of_the_others()
    {
        ModelGen.Array[2, 4].Sample(gradients =>
        {
            var result = Opa.Align(gradients, Groups);
            var groups = Grouping.Complete(Groups, gradients[0].Keys);
            for (var k = 0; k < gradients.Length; k++)
            {
                var others = MeanOfOthers(gradients, k);
                foreach (var group in groups)
                {
                    var inner = Dot(result.Gradients[k], others, group.Keys);
                    var scale = Math.Sqrt(
                        Dot(gradients[k], gradients[k], group.Keys) * Dot(others, others, group.Keys));
                    Assert.True(inner >= -1e-6 * scale - 1e-12, $"model {k}, {group.Name}: ⟨g, o⟩ = {inner}");
                }
            }
        }, iter: 80, seed: "3crzCoyVvqr1");
    }

    [Fact]
    public void Unconflicted_groups_are_bit_identical_and_conflicts_are_counted()
    {
        ModelGen.Array[2, 4].Sample(gradients =>
        {
            var result = Opa.Align(gradients, Groups);
            var groups = Grouping.Complete(Groups, gradients[0].Keys);
            for (var g = 0; g < groups.Count; g++)
            {
                var stats = result.Groups[g];
                Assert.Equal(groups[g].Name, stats.Group);
                var conflicted = 0;
                for (var k = 0; k < gradients.Length; k++)
                {
                    var unchanged = groups[g].Keys.All(key => SameBits(result.Gradients[k][key], gradients[k][key]));
                    if (stats.Cosines[k] >= 0) Assert.True(unchanged, $"model {k} in {stats.Group} was changed");
                    else conflicted++;
                }
                Assert.Equal(conflicted, stats.Conflicts);
            }
        }, iter: 80, seed: "2Dcyn2OY6mQ2");
    }

    [Fact]
    public void A_conflicting_gradient_loses_exactly_its_component_along_the_others()
    {
        var g0 = Model(("w", Vector(1, 0)));
        var g1 = Model(("w", Vector(-1, 1)));
        var result = Opa.Align(List(g0, g1), []);
        // o_0 = g1, ⟨g0, g1⟩ = −1, ‖g1‖² = 2: g0 + g1/2 = (0.5, 0.5);
        // o_1 = g0, ‖g0‖² = 1: g1 + g0 = (0, 1).
        Assert.Equal([0.5f, 0.5f], Values(result.Gradients[0]["w"]));
        Assert.Equal([0f, 1f], Values(result.Gradients[1]["w"]));
        Assert.Equal(2, result.Groups.Single().Conflicts);
        Assert.Equal(-1 / Math.Sqrt(2), result.Groups.Single().Cosines[0], 6);
    }

    [Fact]
    public void Opa_does_not_modify_its_inputs()
    {
        var g0 = Model(("w", Vector(1, 0)));
        var g1 = Model(("w", Vector(-1, 1)));
        Opa.Align(List(g0, g1), []);
        Assert.Equal([1f, 0f], Values(g0["w"]));
        Assert.Equal([-1f, 1f], Values(g1["w"]));
    }
}
