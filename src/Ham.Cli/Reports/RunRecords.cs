namespace Ham.Cli.Reports;

/// <summary>Where a record came from: the file and its 1-based line, as errors name it.</summary>
public sealed record SourceLine(
    // Path of the JSONL file, as given on the command line.
    string File,
    // 1-based line number within the file.
    int Line)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>One finished (method, target, seed) cell: one line of <c>results.jsonl</c>.</summary>
public sealed record ResultRecord(
    // Method name, e.g. "erm", "ties", "ham".
    string Method,
    // Held-out target domain.
    string Target,
    // Seed of the run that produced the cell.
    int Seed,
    // Target test accuracy as a fraction in [0, 1].
    double Accuracy,
    // Source validation accuracy of the selected model, a fraction; null when not logged.
    double? ValAccuracy,
    // The model-selection rule in words; null when not logged.
    string? Selection,
    // Training steps of the cell; null when not logged.
    int? Steps,
    // Wall-clock seconds of the cell; null when not logged.
    double? Seconds,
    // Options chosen on source validation, in words (e.g. "λ = 1, d = 0.2"); null when none or not logged.
    string? Chosen,
    // The line this record was read from.
    SourceLine Source);

/// <summary>The SAE part of a log line: per-model thresholds and the K×K acceptance matrix.</summary>
public sealed record SaeRecord(
    // Acceptance threshold of each of the K models.
    IReadOnlyList<double> Thresholds,
    // Row k = model k, column j = share of source domain j's candidates that model k accepted.
    IReadOnlyList<IReadOnlyList<double>> Acceptance);

/// <summary>One logged training step: one line of <c>log.jsonl</c>.</summary>
public sealed record StepRecord(
    // Held-out target domain of the run.
    string Target,
    // Seed of the run.
    int Seed,
    // Training flavour: "erm", "plain", "ham", "ham-no-sae", "ham-no-opa", ...
    string Training,
    // Training step, counted from 0 or 1 as the trainer logs it.
    int Step,
    // Per-domain model index; -1 for the single model of erm.
    int Model,
    // Source domain of the model; null for erm.
    string? Domain,
    // Training loss at this step.
    double Loss,
    // Training accuracy at this step, a fraction.
    double Accuracy,
    // Training throughput in images per second; null when not logged.
    double? ImagesPerSecond,
    // Source validation accuracy, a fraction; logged only at validation steps.
    double? ValAccuracy,
    // SAE thresholds and acceptance matrix; logged only by trainings with SAE.
    SaeRecord? Sae,
    // The line this record was read from.
    SourceLine Source);

/// <summary>One run directory as read: its options, its step log and its results.</summary>
public sealed record RunDirectory(
    // The directory as given.
    string Path,
    // Resolved options of the run as "key: value" text, in file order; empty when options.json is absent.
    IReadOnlyList<KeyValuePair<string, string>> Options,
    // Every logged step, in file order.
    IReadOnlyList<StepRecord> Steps,
    // Every finished cell, in file order.
    IReadOnlyList<ResultRecord> Results);
