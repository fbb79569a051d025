using Snapshooter;
using Snapshooter.Xunit;
using TorchSharp;
using static Ham.Algorithms.Tests.Fixtures;

namespace Ham.Algorithms.Tests;

/// <summary>Every method on small fixed tensors with fixed seeds: a change in a merge's numbers shows in review.
/// </summary>
public sealed class SnapshotTests
{
    // θ0[i] = sin(i); θ_k[i] = θ0[i] + 0.5 sin(1.7 (k + 1) i + k); an int64 buffer that must come out as θ0's.
    private static Dictionary<string, torch.Tensor> Fixed(int k)
    {
        var model = new Dictionary<string, torch.Tensor>();
        var offset = 0;
        foreach (var (key, shape) in Shapes)
        {
            var size = (int)shape.Aggregate(1L, (a, b) => a * b);
            var values = Enumerable.Range(offset, size).Select(i =>
                (float)(Math.Sin(i) + (k < 0 ? 0 : 0.5 * Math.Sin(1.7 * (k + 1) * i + k)))).ToArray();
            model[key] = torch.tensor(values).reshape(shape);
            offset += size;
        }
        model["steps"] = torch.tensor(new long[] { 100 + k });
        return model;
    }

    private static Dictionary<string, double[]> Rounded(IReadOnlyDictionary<string, torch.Tensor> model) =>
        model.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => Rounded(p.Value));

    private static double[] Rounded(torch.Tensor tensor) =>
        tensor.to(torch.ScalarType.Float64).contiguous().data<double>().ToArray()
            .Select(v => Math.Round(v, 5)).ToArray();

    public static TheoryData<string> MethodNames => new()
    {
        "task-arithmetic", "soup", "ties", "dare", "dare-ties", "wise-ft", "rhm", "rhm-uniform", "generalized",
    };

    private static MergeMethod MethodNamed(string name) => name switch
    {
        "task-arithmetic" => new TaskArithmetic(0.3),
        "soup" => new Soup(),
        "ties" => new Ties(0.4, 1.0),
        "dare" => new Dare(0.5, 7),
        "dare-ties" => new Dare(0.5, 7, new Ties(0.6, 0.8)),
        "wise-ft" => new WiseFt(0.4),
        "rhm" => new Rhm(0.4, 1.0),
        "rhm-uniform" => new Rhm(0.4, 1.0, UseRedundancyWeights: false),
        _ => new GeneralizedTaskArithmetic(Lambda: 0.7, Density: 0.5, DropRate: 0.2, Seed: 3, ElectSign: true,
            Weighting: ModelWeighting.Mean),
    };

    [Theory]
    [MemberData(nameof(MethodNames))]
    public void Merge_of_fixed_models(string name)
    {
        var pretrained = Fixed(-1);
        var models = name == "wise-ft" ? List(Fixed(0))
            // RHM's candidates: three models and two near copies of the first (a history snapshot).
            : name.StartsWith("rhm", StringComparison.Ordinal) ? List(Fixed(0), Fixed(1), Fixed(2), Fixed(3), Fixed(0))
            : List(Fixed(0), Fixed(1), Fixed(2));
        var merged = Merge.Models(MethodNamed(name), pretrained, models, Groups);
        Snapshot.Match(Rounded(merged), SnapshotNameExtension.Create(name));
    }

    [Fact]
    public void Redundancy_weights_of_fixed_candidates()
    {
        var candidates = List(Fixed(0), Fixed(1), Fixed(2), Fixed(0));
        var weights = Redundancy.GroupWeights(Fixed(-1), candidates, Groups);
        Snapshot.Match(weights.ToDictionary(p => p.Key, p => p.Value.Select(w => Math.Round(w, 6)).ToArray()));
    }

    [Fact]
    public void Opa_on_fixed_gradients()
    {
        var gradients = List(Fixed(0), Fixed(1), Fixed(2)).Select(g => g.Where(p => p.Key != "steps")
            .ToDictionary(p => p.Key, p => p.Value)).ToList<IReadOnlyDictionary<string, torch.Tensor>>();
        var result = Opa.Align(gradients, Groups);
        Snapshot.Match(new
        {
            gradients = result.Gradients.Select(Rounded).ToList(),
            groups = result.Groups.Select(g => new
            {
                g.Group, g.Conflicts, Cosines = g.Cosines.Select(c => Math.Round(c, 6)).ToArray(),
            }).ToList(),
        });
    }

    [Fact]
    public void Sae_over_fixed_steps()
    {
        var generator = new torch.Generator(11);
        var state = SaeState.Initial;
        var options = new SaeOptions(Quantile: 0.5, Momentum: 0.8, WarmupFraction: 0.25, Beta: 1);
        var steps = new List<object>();
        for (var step = 0; step < 4; step++)
        {
            var ownLogits = torch.randn(8, 3, generator: generator).mul_(2);
            var ownLabels = torch.randint(0, 3, [8], generator: generator);
            var candidateLogits = torch.randn(6, 3, generator: generator).mul_(2);
            var candidateLabels = torch.randint(0, 3, [6], generator: generator);
            var selection = Sae.Select(state, ownLogits, ownLabels, candidateLogits, candidateLabels, options, 4);
            var loss = Sae.Loss(ownLogits, ownLabels, candidateLogits, candidateLabels, selection.Accepted,
                options.Beta);
            state = selection.Next;
            steps.Add(new
            {
                accepted = selection.Accepted.data<bool>().ToArray(),
                threshold = Math.Round(state.Threshold, 6),
                loss = Math.Round(loss.item<float>(), 5),
            });
        }
        Snapshot.Match(steps);
    }

    [Fact]
    public void Ensemble_and_weight_average_of_fixed_models()
    {
        var average = WeightAveraging.Add(null, Fixed(0));
        average = WeightAveraging.Add(WeightAveraging.Add(average, Fixed(1)), Fixed(2));
        var logits = Enumerable.Range(0, 3).Select(k => Fixed(k)["block.w"]).ToList();
        var ensemble = Ensemble.MeanProbabilities(logits);
        Snapshot.Match(new { average = Rounded(average.Mean), ensemble = Rounded(ensemble) });
    }
}
