using TorchSharp;
using static Ham.Algorithms.Tests.Fixtures;

namespace Ham.Algorithms.Tests;

public sealed class AveragingTests
{
    [Fact]
    public void Weight_average_is_the_running_mean_and_copies_integer_buffers()
    {
        WeightAverage? average = null;
        foreach (var (value, step) in new[] { (1f, 10L), (2f, 11L), (6f, 12L) })
            average = WeightAveraging.Add(average, Model(("w", Vector(value, -value)), ("step", torch.tensor(step))));
        Assert.Equal(3, average!.Count);
        Assert.Equal([3f, -3f], Values(average.Mean["w"]));
        Assert.Equal(12L, average.Mean["step"].item<long>());
    }

    [Fact]
    public void Weight_average_does_not_modify_the_previous_average()
    {
        var first = WeightAveraging.Add(null, Model(("w", Vector(1))));
        var second = WeightAveraging.Add(first, Model(("w", Vector(3))));
        Assert.Equal([1f], Values(first.Mean["w"]));
        Assert.Equal([2f], Values(second.Mean["w"]));
    }

    [Fact]
    public void Ensemble_averages_the_probabilities_not_the_logits()
    {
        var a = torch.tensor(new float[] { 0, 0 }).reshape(1, 2);
        var b = torch.tensor(new float[] { (float)Math.Log(3), 0 }).reshape(1, 2);
        // softmax: (0.5, 0.5) and (0.75, 0.25) -> (0.625, 0.375)
        Assert.Equal([0.625f, 0.375f], Values(Ensemble.MeanProbabilities([a, b])));
    }

    [Fact]
    public void Tuning_chooses_the_best_score_first_on_ties()
    {
        var grid = Tuning.Grid(new Ties(), [0.5, 1.0], [0.1, 0.2]);
        Assert.Equal(4, grid.Count);
        Assert.Equal(new Ties(0.1, 0.5), grid[0]);
        var choice = Tuning.Choose(grid, m => m is Ties { Lambda: 1.0 } ? 0.9 : 0.4);
        Assert.Equal(new Ties(0.1, 1.0), choice.Best.Method);
        Assert.Equal(4, choice.All.Count);
    }

    [Fact]
    public void Tuning_grid_refuses_out_of_range_values()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tuning.Grid(new Rhm(), [1.0], [1.5]));
        Assert.Equal([new WiseFt(0.2), new WiseFt(0.4)], Tuning.Grid(new WiseFt(), [0.2, 0.4]));
    }
}
