namespace Ham.Cli.Training;

/// <summary>The resolved options of a `ham dg` run; written to RUNDIR/options.json and read back on --resume.</summary>
public sealed record DgOptions
{
    // The data set in DomainBed's layout (full path).
    public required string Data { get; init; }
    // Folder of the official split lists; null: a seeded 80/20 split per domain.
    public string? Splits { get; init; }
    // Held-out target domains, in run order.
    public required IReadOnlyList<string> Targets { get; init; }
    // Seeds; each (target, seed) is one cell.
    public required IReadOnlyList<int> Seeds { get; init; }
    // Methods to evaluate, in table order.
    public required IReadOnlyList<string> Methods { get; init; }
    // Training steps per training.
    public int Steps { get; init; } = 500;
    // Side of the square training and evaluation images in pixels.
    public int Resolution { get; init; } = 128;
    // Images per source domain per step (erm pools one such batch per source).
    public int Batch { get; init; } = 32;
    // Adam learning rate.
    public double LearningRate { get; init; } = 5e-5;
    // Validation (and checkpoint) every this many steps.
    public int EvalEvery { get; init; } = 50;
    // RHM snapshots every this many steps.
    public int SnapshotEvery { get; init; } = 100;
    // "resnet18" or "clip".
    public string Backbone { get; init; } = "resnet18";
    // Weights of the backbone (the ONNX file for resnet18, a CLIP checkpoint for clip).
    public string? Checkpoint { get; init; }
    // "cpu" or "cuda".
    public string Device { get; init; } = "cpu";
    // Batch norm while training: "frozen" (running statistics of θ0, DomainBed's way) or "train" (batch statistics).
    public string BatchNorm { get; init; } = "frozen";
    // Recompute batch-norm statistics after a merge: "auto" (when batch norm trains), "always", "never".
    public string RecomputeBatchNorm { get; init; } = "auto";
    // RHM's redundancy rule: "row-sum" (w ∝ 1/Σ_j c_ij, the paper's) or "pseudo-inverse" (w ∝ max(0, C⁺1)).
    public string Redundancy { get; init; } = "row-sum";
    // Source training images used to recompute batch-norm statistics after a merge.
    public int BatchNormImages { get; init; } = 512;
    // Images per evaluation batch.
    public int EvalBatch { get; init; } = 128;
    // SWAD averages the erm weights of every step from this fraction of the steps on.
    public double SwadStart { get; init; } = 0.2;
    // λ grid of TIES, RHM (ham and its ablations) and ham-no-rhm (chosen on source validation).
    public IReadOnlyList<double> Lambdas { get; init; } = [0.5, 1.0, 1.5];
    // λ grid of task arithmetic and DARE (task vectors summed over K models).
    public IReadOnlyList<double> SumLambdas { get; init; } = [0.3, 0.5, 0.7, 1.0];
    // Density grid of TIES and RHM.
    public IReadOnlyList<double> Densities { get; init; } = [0.2, 0.5];
    // DARE's drop rate.
    public double DareDropRate { get; init; } = 0.5;
    // Split seed for data sets without official lists.
    public int SplitSeed { get; init; } = 0;
    // Threads for libtorch (0: all cores).
    public int Threads { get; init; }
}
