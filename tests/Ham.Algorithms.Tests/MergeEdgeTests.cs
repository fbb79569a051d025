using TorchSharp;
using static Ham.Algorithms.Tests.Fixtures;

namespace Ham.Algorithms.Tests;

public sealed class MergeEdgeTests
{
    private static readonly Dictionary<string, torch.Tensor> Pretrained = Model(("w", Vector(1, 2, 3, 4)));
    private static readonly Dictionary<string, torch.Tensor> First = Model(("w", Vector(4, 1, 5, 4.5f)));
    private static readonly Dictionary<string, torch.Tensor> Second = Model(("w", Vector(0, 0, 7, 4.1f)));

    [Fact]
    public void Ties_on_hand_computed_vectors()
    {
        var theta0 = Model(("w", Vector(0, 0, 0, 0)));
        var a = Model(("w", Vector(3, -1, 2, 0.5f)));
        var b = Model(("w", Vector(-1, -2, 4, 0.1f)));
        // density 0.5: a keeps 3, 2; b keeps −2, 4. Signs +, −, +, + (nothing kept: θ0). Means 3, −2, 3, 0.
        var merged = Merge.Models(new Ties(Density: 0.5, Lambda: 1), theta0, List(a, b), []);
        Assert.Equal([3f, -2f, 3f, 0f], Values(merged["w"]));
    }

    [Fact]
    public void Task_arithmetic_soup_and_wise_ft_on_hand_computed_vectors()
    {
        // τ_1 = (3, −1, 2, 0.5), τ_2 = (−1, −2, 4, 0.1)
        var soup = Merge.Models(new Soup(), Pretrained, List(First, Second), []);
        Assert.Equal([2f, 0.5f, 6f, 4.3f], Values(soup["w"]), new FloatTolerance());
        var sum = Merge.Models(new TaskArithmetic(1), Pretrained, List(First, Second), []);
        Assert.Equal([3f, -1f, 9f, 4.6f], Values(sum["w"]), new FloatTolerance());
        var wiseFt = Merge.Models(new WiseFt(0.5), Pretrained, List(First), []);
        Assert.Equal([2.5f, 1.5f, 4f, 4.25f], Values(wiseFt["w"]), new FloatTolerance());
    }

    [Fact]
    public void Density_zero_gives_the_pretrained_model()
    {
        foreach (var method in new MergeMethod[] { new Ties(0, 1), new Rhm(0, 1), new Dare(0.5, 1, new Ties(0, 1)) })
            Assert.True(BitIdentical(Merge.Models(method, Pretrained, List(First, Second), []), Pretrained));
    }

    [Fact]
    public void Density_one_trims_nothing()
    {
        using var taskVector = torch.tensor(new float[] { 0.1f, -3, 0, 2e-9f });
        using var before = taskVector.clone();
        MergeSteps.TrimToDensity_(taskVector, 1);
        Assert.True(SameBits(taskVector, before));
    }

    [Fact]
    public void Drop_rate_one_gives_the_pretrained_model_and_never_nan()
    {
        foreach (var inner in new MergeMethod[] { new TaskArithmetic(1), new Ties(0.5, 1) })
        {
            var merged = Merge.Models(new Dare(1, 3, inner), Pretrained, List(First, Second), []);
            Assert.True(BitIdentical(merged, Pretrained));
        }
    }

    [Fact]
    public void An_entry_whose_sign_sum_is_zero_takes_the_sign_of_the_tensors_total()
    {
        var theta0 = Model(("w", Vector(0, 0)));
        // Entry 0: +1 and −1 cancel. The tensor's total is +2 (entry 1), so entry 0 elects + and keeps +1.
        var positive = List(Model(("w", Vector(1, 2))), Model(("w", Vector(-1, 0))));
        var merged = Merge.Models(new Ties(1, 1), theta0, positive, []);
        Assert.Equal([1f, 2f], Values(merged["w"]));
        // With the total −2, entry 0 elects − and keeps −1.
        var negative = List(Model(("w", Vector(1, -2))), Model(("w", Vector(-1, 0))));
        merged = Merge.Models(new Ties(1, 1), theta0, negative, []);
        Assert.Equal([-1f, -2f], Values(merged["w"]));
    }

    public static TheoryData<MergeMethod, string> OutOfRange => new()
    {
        { new Ties(Density: 1.5), "Density" },
        { new Ties(Density: 0.5, Lambda: double.NaN), "Lambda" },
        { new Rhm(Density: -0.1), "Density" },
        { new Dare(DropRate: 1.01), "DropRate" },
        { new Dare(DropRate: 0.5, Inner: new Ties(Density: 2)), "Density" },
        { new WiseFt(Alpha: 1.2), "Alpha" },
        { new TaskArithmetic(Lambda: double.PositiveInfinity), "Lambda" },
        { new GeneralizedTaskArithmetic(DropRate: -1), "DropRate" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Out_of_range_options_are_refused_by_name(MergeMethod method, string option)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Merge.Models(method, Pretrained, List(First), []));
        Assert.Equal(option, error.ParamName);
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void Dare_refuses_an_inner_method_other_than_task_arithmetic_or_ties()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Merge.Models(new Dare(0.5, 0, new Soup()), Pretrained, List(First), []));
        Assert.Equal("Inner", error.ParamName);
    }

    [Fact]
    public void Wise_ft_refuses_more_than_one_model()
    {
        Assert.Throws<ArgumentException>(() => Merge.Models(new WiseFt(), Pretrained, List(First, Second), []));
    }

    [Theory]
    [InlineData(torch.ScalarType.Float16)]
    [InlineData(torch.ScalarType.BFloat16)]
    [InlineData(torch.ScalarType.Float64)]
    [InlineData(torch.ScalarType.Float32)]
    public void Mixed_input_dtypes_merge_into_the_requested_output_dtype(torch.ScalarType outputType)
    {
        var theta0 = Model(("w", Vector(1, 2).to(torch.ScalarType.Float16)));
        var a = Model(("w", Vector(2, 2).to(torch.ScalarType.BFloat16)));
        var b = Model(("w", Vector(3, 4)));
        var merged = Merge.Models(new Soup(), theta0, List(a, b), [], outputType);
        Assert.Equal(outputType, merged["w"].dtype);
        Assert.Equal([2.5f, 3f], Values(merged["w"]));
    }

    [Fact]
    public void Integer_buffers_are_copied_from_the_pretrained_model_not_merged()
    {
        var theta0 = Model(("w", Vector(1)), ("steps", torch.tensor(new long[] { 7, 8 })));
        var a = Model(("w", Vector(3)), ("steps", torch.tensor(new long[] { 100, 100 })));
        var merged = Merge.Models(new TaskArithmetic(1), theta0, List(a, a), [], torch.ScalarType.Float16);
        Assert.Equal(torch.ScalarType.Int64, merged["steps"].dtype);
        Assert.Equal([7L, 8L], merged["steps"].data<long>().ToArray());
        Assert.Equal([5f], Values(merged["w"]));
    }

    [Fact]
    public void A_key_that_no_model_has_is_copied_from_the_pretrained_model()
    {
        var theta0 = Model(("w", Vector(1)), ("frozen", Vector(9, 9)));
        var merged = Merge.Models(new Ties(1, 1), theta0, List(Model(("w", Vector(2)))), []);
        Assert.Equal([9f, 9f], Values(merged["frozen"]));
        Assert.Equal([2f], Values(merged["w"]));
    }

    [Theory]
    [InlineData(float.NaN, 0)]
    [InlineData(float.PositiveInfinity, 1)]
    [InlineData(float.NegativeInfinity, 2)]
    public void A_nan_or_infinity_in_an_input_is_an_error_naming_the_key(float bad, int where)
    {
        var inputs = Enumerable.Range(0, 3).Select(_ => Model(("ok", Vector(1)), ("bad.key", Vector(1, 2)))).ToArray();
        inputs[where]["bad.key"] = Vector(1, bad);
        MergeMethod[] methods = [new Ties(0.5, 1), new TaskArithmetic(1), new Dare(0.9, 1), new Rhm(0.5, 1)];
        foreach (var method in methods)
        {
            var error = Assert.Throws<InvalidDataException>(() =>
                Merge.Models(method, inputs[0], List(inputs[1], inputs[2]), []));
            Assert.Contains("'bad.key'", error.Message);
        }
    }

    [Fact]
    public void Missing_extra_and_misshapen_keys_are_listed_in_one_error()
    {
        var theta0 = Model(("a", Vector(1)), ("b", Vector(1, 2)), ("c", Vector(1)));
        var first = Model(("a", Vector(1)), ("b", Vector(1, 2, 3)), ("c", Vector(1)), ("extra", Vector(0)));
        var second = Model(("b", Vector(1, 2)), ("c", Vector(1)));
        var error = Assert.Throws<ArgumentException>(() => Merge.Models(new Soup(), theta0, List(first, second), []));
        Assert.Contains("'extra'", error.Message);
        Assert.Contains("'b' of shape [3], expected [2]", error.Message);
        Assert.Contains("'a' is missing from model(s) 1", error.Message);
    }

    private sealed class FloatTolerance : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) < 1e-5;

        public int GetHashCode(float value) => 0;
    }
}
