using TorchSharp;
using static Ham.Algorithms.Tests.Fixtures;

namespace Ham.Algorithms.Tests;

public sealed class MergeSmokeTests
{
    [Fact]
    public void Ties_on_hand_computed_vectors()
    {
        var theta0 = Model(("w", Vector(0, 0, 0, 0)));
        var a = Model(("w", Vector(3, -1, 2, 0.5f)));
        var b = Model(("w", Vector(-1, -2, 4, 0.1f)));
        // density 0.5: a keeps 3, 2; b keeps -2, 4. Signs: +, -, +, +(entry 3 all trimmed). Mean: 3, -2, 3, 0.
        var merged = Merge.Models(new Ties(Density: 0.5, Lambda: 1), theta0, List(a, b), []);
        Assert.Equal([3f, -2f, 3f, 0f], Values(merged["w"]));
    }

    [Fact]
    public void Dare_with_drop_rate_one_gives_pretrained()
    {
        var theta0 = Model(("w", Vector(1, 2, 3)));
        var a = Model(("w", Vector(5, 6, 7)));
        var merged = Merge.Models(new Dare(DropRate: 1), theta0, List(a), []);
        Assert.Equal([1f, 2f, 3f], Values(merged["w"]));
    }

    [Fact]
    public void Dare_half_drop_is_seeded()
    {
        var theta0 = Model(("w", torch.zeros(1000)));
        var a = Model(("w", torch.ones(1000)));
        var first = Merge.Models(new Dare(DropRate: 0.5, Seed: 7), theta0, List(a), []);
        var second = Merge.Models(new Dare(DropRate: 0.5, Seed: 7), theta0, List(a), []);
        Assert.Equal(Values(first["w"]), Values(second["w"]));
        Assert.All(Values(first["w"]), v => Assert.True(v == 0 || v == 2));
    }
}
