namespace Ham.Cli.Runs;

/// <summary>One line of RUNDIR/log.jsonl: one model at one training step.</summary>
public sealed record LogLine
{
    // Held-out target domain.
    public required string Target { get; init; }
    // Seed of the cell.
    public required int Seed { get; init; }
    // Training: "erm", "plain", "ham", "ham-no-sae", "ham-no-opa".
    public required string Training { get; init; }
    // Step, 1-based (the step just taken).
    public required int Step { get; init; }
    // Per-domain model index; -1 for the pooled erm model.
    public required int Model { get; init; }
    // Source domain of the model; null for erm.
    public string? Domain { get; init; }
    // Training loss of the step (own batch plus accepted candidates).
    public required double Loss { get; init; }
    // Accuracy on the model's own training batch of the step.
    public required double Accuracy { get; init; }
    // Training images (own batches, all models) per second of wall time for the step.
    public required double ImgPerS { get; init; }
    // Source validation accuracy (own domain for per-domain models, all sources for erm); validation steps only.
    public double? ValAccuracy { get; init; }
    // SAE thresholds and acceptance matrix of the step; trainings with SAE only.
    public SaeLog? Sae { get; init; }
    // OPA conflict counts and mean cosine of the step; trainings with OPA only.
    public OpaLog? Opa { get; init; }
}

/// <summary>The SAE part of a log line.</summary>
public sealed record SaeLog
{
    // τ_k of each model after the step.
    public required IReadOnlyList<double> Thresholds { get; init; }
    // Row k = model k, column j = share of source j's candidates accepted this step.
    public required IReadOnlyList<IReadOnlyList<double>> Acceptance { get; init; }
}

/// <summary>The OPA part of a log line.</summary>
public sealed record OpaLog
{
    // Per parameter group, how many of the K models conflicted with the others (and were projected).
    public required IReadOnlyDictionary<string, int> Conflicts { get; init; }
    // Mean over groups and models of cos(g_k, o_k) before alignment.
    public required double MeanCosine { get; init; }
}

/// <summary>One line of RUNDIR/results.jsonl: a finished (method, target, seed).</summary>
public sealed record ResultLine
{
    // Method name ("erm", "ties", "ham", ...).
    public required string Method { get; init; }
    // Held-out target domain.
    public required string Target { get; init; }
    // Seed of the cell.
    public required int Seed { get; init; }
    // Accuracy on the target's test list, a fraction.
    public required double Accuracy { get; init; }
    // Accuracy of the selected model on the sources' validation lists, a fraction.
    public required double ValAccuracy { get; init; }
    // The selection rule in words.
    public required string Selection { get; init; }
    // Training steps behind the result (0 for zeroshot).
    public required int Steps { get; init; }
    // Wall seconds: the training(s) behind the result plus its own merging and evaluation.
    public required double Seconds { get; init; }
    // Addition: the training that produced the models ("erm", "plain", "ham", ...; null for zeroshot).
    public string? Training { get; init; }
    // Addition: the options chosen on source validation, in words ("λ = 1, d = 0.2"); null when none.
    public string? Chosen { get; init; }
    // Addition: RHM's weight of each merged snapshot ("model0-step100"), the mean over parameter groups of the
    // group's redundancy weights (each group's sum to 1); RHM over snapshots only.
    public IReadOnlyDictionary<string, double>? MergeWeights { get; init; }
}
