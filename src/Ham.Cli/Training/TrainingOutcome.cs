using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>What a training leaves for the methods (CPU tensors owned by the outcome).</summary>
public sealed class TrainingOutcome : IDisposable
{
    // Final state (parameters and buffers) of each model; erm: the model at its best validation step.
    public required IReadOnlyList<Dictionary<string, Tensor>> Models { get; init; }
    // SWAD's dense average of the trained tensors (erm only).
    public Dictionary<string, Tensor>? Average { get; init; }
    // First and last step in the average.
    public (int First, int Last)? AverageSteps { get; init; }
    // erm: the best step by source validation and its accuracy.
    public int BestStep { get; init; }
    public double BestValidation { get; init; }
    // Last validation accuracy of each model.
    public required IReadOnlyList<double> LastValidation { get; init; }
    // Snapshot files of each model, oldest first (trainings with snapshots).
    public required IReadOnlyList<IReadOnlyList<string>> Snapshots { get; init; }
    // Wall seconds of the training (over all sittings).
    public double Seconds { get; init; }
    public int Steps { get; init; }

    public void Dispose()
    {
        foreach (var model in Models) StateDicts.Dispose(model.Values);
        StateDicts.Dispose(Average?.Values);
    }
}
