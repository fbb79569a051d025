namespace Ham.Cli.Training;

/// <summary>A method's accuracies before they become a result line.</summary>
/// <param name="Accuracy">Target test accuracy, a fraction.</param>
/// <param name="Validation">Source validation accuracy of the selected model, a fraction.</param>
/// <param name="Selection">The selection rule in words.</param>
/// <param name="Chosen">Options chosen on source validation, in words; null when none.</param>
/// <param name="MergeWeights">RHM's weight of each merged candidate by name (mean over groups); null otherwise.</param>
public sealed record MethodResult(double Accuracy, double Validation, string Selection, string? Chosen,
    IReadOnlyDictionary<string, double>? MergeWeights = null);
