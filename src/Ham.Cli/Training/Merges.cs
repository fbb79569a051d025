using Ham.Algorithms;
using Ham.Model.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>
/// The merging methods of a cell: merge the trained tensors with the algorithms library, scale the merged task
/// vector by each λ of a grid, refresh batch norm on source training images, and keep the λ (and density) with the
/// best source validation accuracy; only then look at the target.
/// </summary>
public sealed class Merges(CellContext cell, nn.Module<Tensor, Tensor> scratch)
{
    private IReadOnlyList<string> Keys => cell.Backbone.TrainedKeys;

    /// <summary>The encoder that merged weights are loaded into for evaluation.</summary>
    public nn.Module<Tensor, Tensor> Scratch => scratch;

    /// <summary>θ0 restricted to the trained tensors, on CPU (no copy when already there).</summary>
    private Dictionary<string, Tensor> Theta0() =>
        Keys.ToDictionary(key => key, key => cell.Backbone.Pretrained[key], StringComparer.Ordinal);

    /// <summary>The trained tensors of a state (no copy).</summary>
    public Dictionary<string, Tensor> Trained(IReadOnlyDictionary<string, Tensor> state) =>
        Keys.ToDictionary(key => key, key => state[key], StringComparer.Ordinal);

    /// <summary>
    /// Merges <paramref name="models"/> with each method of <paramref name="grid"/> (λ = 1), then tries each λ of
    /// <paramref name="lambdas"/> (θ0 + λ (θ_merged − θ0)); the best by source validation wins.
    /// </summary>
    public MethodResult BestOf(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> models,
        IReadOnlyList<(MergeMethod Method, string Words)> grid, IReadOnlyList<double> lambdas, string selection)
    {
        var best = (Validation: -1.0, Chosen: "", Method: (MergeMethod?)null, Lambda: 0.0);
        var theta0 = Theta0();
        foreach (var (method, words) in grid)
        {
            cell.Cancel.ThrowIfCancellationRequested();
            var merged = Merge.Models(method, theta0, models, cell.Backbone.Groups);
            try
            {
                foreach (var lambda in lambdas)
                {
                    var validation = ValidateScaled(theta0, merged, lambda);
                    var chosen = lambdas.Count > 1 ? $"λ = {lambda:0.###}" + (words.Length > 0 ? $", {words}" : "")
                        : words;
                    if (validation > best.Validation) best = (validation, chosen, method, lambda);
                }
            }
            finally
            {
                StateDicts.Dispose(merged.Values);
            }
        }

        var winner = Merge.Models(best.Method!, theta0, models, cell.Backbone.Groups);
        try
        {
            LoadScaled(theta0, winner, best.Lambda);
            var accuracy = cell.Evaluator.Accuracy(scratch, cell.Head, cell.TargetTest, cell.Cancel);
            return new MethodResult(accuracy, best.Validation, selection,
                best.Chosen.Length > 0 ? best.Chosen : null);
        }
        finally
        {
            StateDicts.Dispose(winner.Values);
        }
    }

    /// <summary>Evaluates trained tensors (θ0's buffers, batch norm refreshed when asked), nothing chosen.</summary>
    public MethodResult Evaluate(IReadOnlyDictionary<string, Tensor> trained, string selection, bool refresh)
    {
        LoadInto(trained, refresh);
        var validation = cell.Evaluator.Accuracy(scratch, cell.Head, cell.SourceValidation, cell.Cancel);
        var accuracy = cell.Evaluator.Accuracy(scratch, cell.Head, cell.TargetTest, cell.Cancel);
        return new MethodResult(accuracy, validation, selection, null);
    }

    /// <summary>Loads θ0, then <paramref name="state"/> (any subset of the encoder's tensors), then refreshes batch
    /// norm on source training images when asked.</summary>
    public void LoadInto(IReadOnlyDictionary<string, Tensor> state, bool refresh)
    {
        StateDicts.Load(scratch, cell.Backbone.Pretrained);
        StateDicts.Load(scratch, state);
        if (refresh)
            cell.Evaluator.RefreshBatchNorm(scratch, cell.SourceTrain, cell.Options.BatchNormImages, cell.Seed);
        scratch.eval();
    }

    /// <summary>RHM's redundancy weights of the candidates' task vectors: parameter group -> one per candidate.
    /// </summary>
    public Dictionary<string, double[]> RedundancyWeights(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> models,
        RedundancyRule rule) =>
        Redundancy.GroupWeights(Theta0(), models, cell.Backbone.Groups, rule);

    /// <summary>Snapshot files read back as trained tensors (CPU).</summary>
    public static List<Dictionary<string, Tensor>> ReadSnapshots(IEnumerable<string> paths) =>
        paths.Select(path => Safetensors.ReadAll(path)).ToList();

    private double ValidateScaled(IReadOnlyDictionary<string, Tensor> theta0,
        IReadOnlyDictionary<string, Tensor> merged, double lambda)
    {
        LoadScaled(theta0, merged, lambda);
        return cell.Evaluator.Accuracy(scratch, cell.Head, cell.SourceValidation, cell.Cancel);
    }

    // θ = θ0 + λ (θ_merged − θ0), then batch norm refreshed
    private void LoadScaled(IReadOnlyDictionary<string, Tensor> theta0, IReadOnlyDictionary<string, Tensor> merged,
        double lambda)
    {
        using var scope = NewDisposeScope();
        var scaled = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in merged)
        {
            if (!theta0.TryGetValue(key, out var start) || !is_floating_point(value)) { scaled[key] = value; continue; }
            scaled[key] = lambda == 1.0 ? value : start + (value - start) * lambda;
        }
        LoadInto(scaled, cell.RefreshBatchNorm);
    }
}
