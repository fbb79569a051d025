using System.Diagnostics;
using Ham.Algorithms;
using Ham.Benchmarks.Measure;
using Ham.Benchmarks.Synthetic;
using TorchSharp;

namespace Ham.Benchmarks.Cases;

/// <summary>
/// Stopwatch breakdown of a TIES/DARE/TA merge over the whole 3 × 86 M model, step by step as Merge.Tensor runs
/// them (MergeSteps), to show which step limits the merge. One figure per step, in seconds summed over tensors.
/// </summary>
public static class MergeProfile
{
    /// <summary>
    /// Whole-model Merge.Tensor under configurations that add one ingredient at a time, so that differences
    /// price each: the weighted sum alone, sign election and disjoint mean, magnitude trimming, DARE's drop.
    /// </summary>
    public static IEnumerable<Figure> Ingredients()
    {
        var pretrained = VitB16ImageTower.Pretrained();
        var models = Enumerable.Range(1, MergeCases.ModelCount).Select(k => VitB16ImageTower.FineTuned(k, pretrained))
            .ToList();
        var weights = Enumerable.Repeat(1.0, MergeCases.ModelCount).ToArray();
        var configurations = new (string Name, GeneralizedTaskArithmetic Config)[]
        {
            ("sum (task arithmetic)", new GeneralizedTaskArithmetic(Lambda: 0.3)),
            ("sign election + disjoint mean, no trim", new GeneralizedTaskArithmetic(ElectSign: true)),
            ("trim 0.2 + sign election + disjoint mean (TIES)", new GeneralizedTaskArithmetic(Density: 0.2,
                ElectSign: true)),
            ("drop 0.9 + sum (DARE)", new GeneralizedTaskArithmetic(DropRate: 0.9)),
        };
        var process = Process.GetCurrentProcess();
        var figures = new List<Figure>();
        foreach (var (name, config) in configurations)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            foreach (var (key, theta0) in pretrained)
                Merge.Tensor(config, key, theta0, models.Select(m => m[key]).ToArray(), weights).Dispose();
            var seconds = clock.Elapsed.TotalSeconds;
            process.Refresh();
            figures.Add(Figure.Now("merge-profile", $"Merge.Tensor over the model: {name}", seconds, "s",
                new
                {
                    cpu_seconds = (process.TotalProcessorTime - cpu).TotalSeconds,
                    threads = torch.get_num_threads(),
                }));
        }
        foreach (var tensor in models.SelectMany(m => m.Values).Concat(pretrained.Values)) tensor.Dispose();
        return figures;
    }

    /// <summary>The step-by-step path (MergeSteps, used on GPUs and other dtypes), step by step.</summary>
    public static IEnumerable<Figure> Steps(string methodName)
    {
        var config = MergeCases.Methods[methodName].ToGeneralized(MergeCases.ModelCount);
        var weights = Merge.WeightsFor(config, MergeCases.ModelCount,
            Enumerable.Repeat(1.0 / MergeCases.ModelCount, MergeCases.ModelCount).ToArray());
        var pretrained = VitB16ImageTower.Pretrained();
        var models = Enumerable.Range(1, MergeCases.ModelCount).Select(k => VitB16ImageTower.FineTuned(k, pretrained))
            .ToList();
        var seconds = new Dictionary<string, double>();
        var cpuSeconds = new Dictionary<string, double>();
        var process = Process.GetCurrentProcess();
        void Time(string step, Action action)
        {
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            action();
            seconds[step] = seconds.GetValueOrDefault(step) + clock.Elapsed.TotalSeconds;
            process.Refresh();
            cpuSeconds[step] = cpuSeconds.GetValueOrDefault(step) + (process.TotalProcessorTime - cpu).TotalSeconds;
        }

        foreach (var (key, theta0) in pretrained)
        {
            using var scope = torch.NewDisposeScope();
            var thetas = models.Select(m => m[key]).ToArray();
            Time("RequireFinite (θ0 and K models)", () =>
            {
                Tensors.RequireFinite(theta0, key, "θ0");
                foreach (var theta in thetas) Tensors.RequireFinite(theta, key, "model");
            });
            var taskVectors = new torch.Tensor[thetas.Length];
            Time("TaskVector", () =>
            {
                for (var k = 0; k < thetas.Length; k++)
                    taskVectors[k] = MergeSteps.TaskVector(thetas[k], theta0, torch.ScalarType.Float32);
            });
            Time("DropAndRescale_", () =>
            {
                for (var k = 0; k < thetas.Length; k++)
                    MergeSteps.DropAndRescale_(taskVectors[k], config.DropRate,
                        MergeSteps.TensorSeed(config.Seed, k, key));
            });
            Time("TrimToDensity_", () =>
            {
                foreach (var taskVector in taskVectors) MergeSteps.TrimToDensity_(taskVector, config.Density);
            });
            torch.Tensor merged = null!;
            if (config.ElectSign)
            {
                torch.Tensor sign = null!;
                Time("ElectSign", () => sign = MergeSteps.ElectSign(taskVectors, weights));
                Time("DisjointMean", () => merged = MergeSteps.DisjointMean(taskVectors, weights, sign));
            }
            else
            {
                Time("WeightedSum_", () => merged = MergeSteps.WeightedSum_(taskVectors, weights));
            }
            Time("Apply", () => MergeSteps.Apply(theta0, merged, config.Lambda, torch.ScalarType.Float32));
        }

        foreach (var tensor in models.SelectMany(m => m.Values).Concat(pretrained.Values)) tensor.Dispose();
        var total = seconds.Values.Sum();
        foreach (var (step, value) in seconds)
            yield return Figure.Now("merge-profile", $"{methodName}: {step}", value, "s",
                new { share = value / total, cpu_seconds = cpuSeconds[step], threads = torch.get_num_threads() });
    }
}
