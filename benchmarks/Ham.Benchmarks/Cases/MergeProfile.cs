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
                    MergeSteps.DropAndRescale_(taskVectors[k], config.DropRate, MergeSteps.TensorSeed(config.Seed, k, key));
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
