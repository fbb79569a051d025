using System.Diagnostics;
using Ham.Algorithms;
using Ham.Cli.Runs;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>
/// One (target, seed) cell: the trainings that the unfinished methods need, each once, and the methods evaluated
/// from them (zeroshot from θ0; erm and swad from erm; ensemble, soup, task arithmetic, TIES and DARE from the plain
/// per-domain models; ham and ham-no-rhm from the ham training; the two training ablations from their own).
/// </summary>
public sealed class CellRunner(CellContext cell)
{
    private static readonly TrainingKind[] Order =
        [TrainingKind.Erm, TrainingKind.Plain, TrainingKind.Ham, TrainingKind.HamNoSae, TrainingKind.HamNoOpa];

    /// <summary>Runs the methods of the cell that results.jsonl does not hold yet.</summary>
    public void Run(IReadOnlyList<string> methods)
    {
        var done = cell.Files.ReadResults()
            .Where(r => r.Target == cell.Target && r.Seed == cell.Seed).Select(r => r.Method).ToHashSet();
        var left = methods.Where(m => !done.Contains(m)).ToList();
        if (left.Count == 0) return;

        using var scratch = cell.Backbone.CreateEncoder();
        var merges = new Merges(cell, scratch);
        if (left.Contains("zeroshot"))
        {
            var clock = Stopwatch.StartNew();
            var result = merges.Evaluate(cell.Backbone.Pretrained, "pretrained weights, no training", refresh: false);
            Record("zeroshot", null, result, 0, clock.Elapsed.TotalSeconds);
        }

        foreach (var kind in Order)
        {
            var mine = left.Where(m => TrainingKind.For(m) == kind).ToList();
            if (mine.Count == 0) continue;
            var trainer = new Trainer(cell, kind);
            using (var outcome = trainer.Run())
            {
                foreach (var method in mine)
                {
                    var clock = Stopwatch.StartNew();
                    var result = Evaluate(method, outcome, merges);
                    Record(method, kind.Name, result, outcome.Steps, outcome.Seconds + clock.Elapsed.TotalSeconds);
                }
            }
            trainer.DeleteFiles();
        }
    }

    private MethodResult Evaluate(string method, TrainingOutcome outcome, Merges merges)
    {
        var options = cell.Options;
        var models = outcome.Models.Select(m => (IReadOnlyDictionary<string, Tensor>)merges.Trained(m)).ToList();
        var densities = options.Densities;
        switch (method)
        {
            case "erm":
            {
                merges.LoadInto(outcome.Models[0], refresh: false);
                var accuracy = cell.Evaluator.Accuracy(merges.Scratch, cell.Head, cell.TargetTest, cell.Cancel);
                return new MethodResult(accuracy, outcome.BestValidation,
                    "best step by source validation", $"step {outcome.BestStep}");
            }
            case "swad":
            {
                var (first, last) = outcome.AverageSteps!.Value;
                return merges.Evaluate(outcome.Average!,
                    $"dense average of the erm weights over steps {first}-{last}{BatchNormWords}",
                    refresh: cell.RefreshBatchNorm);
            }
            case "ensemble":
                return Ensemble(outcome, merges);
            case "soup":
                return merges.BestOf(models, [(new Soup(), "")], [1.0],
                    $"uniform mean of the last per-domain models{BatchNormWords}");
            case "task-arithmetic":
                return merges.BestOf(models, [(new TaskArithmetic(1.0), "")], options.SumLambdas,
                    "λ by source validation");
            case "ties":
                return merges.BestOf(models,
                    densities.Select(d => ((MergeMethod)new Ties(d, 1.0), $"d = {d}")).ToList(), options.Lambdas,
                    "λ and d by source validation");
            case "dare":
                return merges.BestOf(models,
                    [(new Dare(options.DareDropRate, cell.Seed, new TaskArithmetic(1.0)),
                        $"p = {options.DareDropRate}")],
                    options.SumLambdas, "λ by source validation");
            case "ham" or "ham-no-sae" or "ham-no-opa":
                return History(outcome, merges, useRedundancy: true,
                    "RHM over all snapshots; λ and d by source validation");
            case "ham-no-rhm":
                return merges.BestOf(models,
                    densities.Select(d => ((MergeMethod)new Rhm(d, 1.0, UseRedundancyWeights: false), $"d = {d}"))
                        .ToList(), options.Lambdas, "last models, uniform weights; λ and d by source validation");
            default:
                throw new ArgumentException($"--methods: unknown method '{method}'");
        }
    }

    private string BatchNormWords => cell.RefreshBatchNorm ? ", batch norm recomputed" : "";

    private MethodResult History(TrainingOutcome outcome, Merges merges, bool useRedundancy, string selection)
    {
        var paths = outcome.Snapshots.SelectMany(s => s).ToList();
        var snapshots = Merges.ReadSnapshots(paths);
        try
        {
            var candidates = snapshots.Select(s => (IReadOnlyDictionary<string, Tensor>)s).ToList();
            var rule = RedundancyOption.Parse(cell.Options.Redundancy);
            var grid = cell.Options.Densities
                .Select(d => ((MergeMethod)new Rhm(d, 1.0, useRedundancy, rule), $"d = {d}")).ToList();
            var result = merges.BestOf(candidates, grid, cell.Options.Lambdas,
                $"{selection} ({candidates.Count} snapshots)");
            if (!useRedundancy) return result;
            // The weights are the same for every λ and d: they come from the task vectors' cosines alone.
            var byGroup = merges.RedundancyWeights(candidates, rule).Values.ToList();
            var weights = paths.Select((path, i) => (Name: Path.GetFileNameWithoutExtension(path),
                Weight: byGroup.Average(w => w[i]))).ToDictionary(p => p.Name, p => p.Weight);
            return result with { MergeWeights = weights };
        }
        finally
        {
            foreach (var snapshot in snapshots) StateDicts.Dispose(snapshot.Values);
        }
    }

    // The mean of the K models' probabilities (Ensemble.MeanProbabilities); each model with its own batch-norm
    // statistics.
    private MethodResult Ensemble(TrainingOutcome outcome, Merges merges)
    {
        double Accuracy(IReadOnlyList<int> indices)
        {
            using var scope = NewDisposeScope();
            var logits = outcome.Models.Select(model =>
            {
                merges.LoadInto(model, refresh: false);
                return cell.Evaluator.Logits(merges.Scratch, cell.Head, indices, cell.Cancel);
            }).ToList();
            return cell.Evaluator.Accuracy(Ham.Algorithms.Ensemble.MeanProbabilities(logits), indices);
        }

        var validation = Accuracy(cell.SourceValidation);
        var accuracy = Accuracy(cell.TargetTest);
        return new MethodResult(accuracy, validation, "mean probabilities of the last per-domain models", null);
    }

    private void Record(string method, string? training, MethodResult result, int steps, double seconds)
    {
        cell.Files.AppendResult(new ResultLine
        {
            Method = method,
            Target = cell.Target,
            Seed = cell.Seed,
            Accuracy = Math.Round(result.Accuracy, 6),
            ValAccuracy = Math.Round(result.Validation, 6),
            Selection = result.Selection,
            Steps = steps,
            Seconds = Math.Round(seconds, 1),
            Training = training,
            Chosen = result.Chosen,
            MergeWeights = result.MergeWeights?.ToDictionary(p => p.Key, p => Math.Round(p.Value, 5)),
        });
        Log.Info($"{cell.Target} seed {cell.Seed} {method}: target {result.Accuracy:P1}, source validation " +
                 $"{result.Validation:P1}" + (result.Chosen is { } c ? $" ({c})" : "") + $", {seconds:0} s");
    }
}
