using Ham.Cli.Data;
using Ham.Cli.Runs;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>Everything one (target, seed) cell works with.</summary>
/// <param name="Backbone">The encoder family and θ0.</param>
/// <param name="Store">All images, decoded once.</param>
/// <param name="Splits">Train / validation / test lists per domain.</param>
/// <param name="Options">The run's options.</param>
/// <param name="Files">The run directory.</param>
/// <param name="Target">The held-out domain's name.</param>
/// <param name="Seed">The cell's seed.</param>
/// <param name="Sources">Domain indices of the sources, in data set order.</param>
/// <param name="Head">The frozen head [C, E] on the device.</param>
/// <param name="Evaluator">Forward passes without gradients.</param>
/// <param name="Progress">Where progress goes.</param>
/// <param name="Budget">Stops the process after a number of steps (a stand-in for a kill); null: no limit.</param>
/// <param name="Cancel">Cancellation.</param>
public sealed record CellContext(
    IBackbone Backbone,
    ImageStore Store,
    DataSplits Splits,
    DgOptions Options,
    RunFiles Files,
    string Target,
    int Seed,
    IReadOnlyList<int> Sources,
    Tensor Head,
    Evaluator Evaluator,
    IRunProgress Progress,
    StepBudget? Budget,
    CancellationToken Cancel)
{
    /// <summary>Whether merged or averaged weights get batch-norm statistics recomputed on source images.</summary>
    public bool RefreshBatchNorm => Backbone.HasBatchNorm && Options.RecomputeBatchNorm switch
    {
        "always" => true,
        "never" => false,
        _ => Options.BatchNorm == "train",
    };

    /// <summary>Training images of all sources.</summary>
    public IReadOnlyList<int> SourceTrain { get; } = Sources.SelectMany(s => Splits.Train(s)).ToList();

    /// <summary>Validation images of all sources.</summary>
    public IReadOnlyList<int> SourceValidation { get; } = Sources.SelectMany(s => Splits.Validation(s)).ToList();

    /// <summary>Test images of the target.</summary>
    public IReadOnlyList<int> TargetTest { get; } =
        Splits.Test(Store.Data.DomainIndex(Target)).ToList();
}

/// <summary>A number of training steps after which the run stops as if killed (for testing resume).</summary>
public sealed class StepBudget(long steps)
{
    private long left = steps;

    /// <summary>Takes one step; throws <see cref="OperationCanceledException"/> when none is left.</summary>
    public void Take()
    {
        if (left <= 0) throw new OperationCanceledException("the step budget (--stop-after) is spent");
        left--;
    }
}
