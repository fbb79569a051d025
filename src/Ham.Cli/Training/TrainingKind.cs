namespace Ham.Cli.Training;

/// <summary>One way of training, shared by every method that can use its models.</summary>
/// <param name="Name">Name in logs and checkpoints ("erm", "plain", "ham", ...).</param>
/// <param name="Pooled">One model on all sources together (erm) instead of one per source domain.</param>
/// <param name="Sae">Per-domain models enriched with accepted candidates from the other sources.</param>
/// <param name="Opa">Per-domain models' gradients aligned per parameter group before each step.</param>
/// <param name="Snapshots">Keep the trained tensors every E steps on disk (RHM's history).</param>
/// <param name="Swad">Keep a dense running average of the weights (SWAD).</param>
public sealed record TrainingKind(string Name, bool Pooled, bool Sae, bool Opa, bool Snapshots, bool Swad)
{
    public static TrainingKind Erm { get; } = new("erm", Pooled: true, false, false, false, Swad: true);
    public static TrainingKind Plain { get; } = new("plain", false, false, false, false, false);
    public static TrainingKind Ham { get; } = new("ham", false, Sae: true, Opa: true, Snapshots: true, false);
    public static TrainingKind HamNoSae { get; } = new("ham-no-sae", false, false, Opa: true, Snapshots: true, false);
    public static TrainingKind HamNoOpa { get; } = new("ham-no-opa", false, Sae: true, false, Snapshots: true, false);

    /// <summary>Every method, in table order, with the training it needs (null: none).</summary>
    public static IReadOnlyList<(string Method, TrainingKind? Training)> Methods { get; } =
    [
        ("zeroshot", null), ("erm", Erm), ("swad", Erm), ("ensemble", Plain), ("soup", Plain),
        ("task-arithmetic", Plain), ("ties", Plain), ("dare", Plain), ("ham", Ham), ("ham-no-sae", HamNoSae),
        ("ham-no-opa", HamNoOpa), ("ham-no-rhm", Ham),
    ];

    public static TrainingKind? For(string method)
    {
        foreach (var (name, training) in Methods)
            if (name == method) return training;
        throw new ArgumentException(
            $"--methods: unknown method '{method}'; expected {string.Join(", ", Methods.Select(m => m.Method))}");
    }
}
