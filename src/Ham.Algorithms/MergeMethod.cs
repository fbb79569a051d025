namespace Ham.Algorithms;

/// <summary>
/// A merge method as data. Every method is a configuration of <see cref="GeneralizedTaskArithmetic"/>
/// (θ = θ0 + λ · merge(sparsify(τ_k))), the way mergekit treats task arithmetic, TIES and DARE as one method;
/// <see cref="Merge.Models"/> runs any of them.
/// </summary>
public abstract record MergeMethod
{
    /// <summary>Short name used by the CLI and in output metadata ("ties").</summary>
    public abstract string Name { get; }

    /// <summary>Throws ArgumentOutOfRangeException naming the first out-of-range option.</summary>
    public abstract void Validate();

    /// <summary>The method as a configuration of the generalized one, for that many models.</summary>
    public abstract GeneralizedTaskArithmetic ToGeneralized(int modelCount);
}

/// <summary>How the K task vectors are weighed against each other.</summary>
public enum ModelWeighting
{
    /// <summary>w_k = 1 (task arithmetic, TIES).</summary>
    Sum,
    /// <summary>w_k = 1/K (uniform soup).</summary>
    Mean,
    /// <summary>w_k = RHM redundancy weights, per parameter group (<see cref="Redundancy.Weights"/>).</summary>
    Redundancy,
}

/// <summary>How RHM turns the candidates' similarities C (c_ij = max(0, cos(τ_i, τ_j))) into weights.</summary>
public enum RedundancyRule
{
    /// <summary>
    /// w_i ∝ 1/Σ_j c_ij, the rule as HAM states it: a cluster of m identical candidates orthogonal to the rest
    /// weighs as one, but a duplicate of a candidate that overlaps others shifts the weights.
    /// </summary>
    RowSum,

    /// <summary>
    /// w ∝ max(0, C⁺·1): equal to <see cref="RowSum"/> when the candidates form clusters of identical ones
    /// orthogonal to each other, and exactly invariant to duplicating any candidate (the duplicates share its
    /// weight), whatever the overlaps.
    /// </summary>
    PseudoInverse,
}

/// <summary>
/// The one method the baselines are configurations of: per tensor, τ_k = θ_k − θ0; optionally drop entries at
/// random and rescale (DARE); optionally keep each τ_k's top-density fraction by magnitude (TIES trim);
/// then either the weighted sum Σ w_k τ_k, or with sign election the weighted disjoint mean of the kept values
/// that agree with the elected sign; θ = θ0 + λ · τ_merged.
/// </summary>
/// <param name="Lambda">λ, the scale of the merged task vector.</param>
/// <param name="Density">Fraction of each τ_k's entries kept by magnitude; 1 trims nothing, 0 keeps none.</param>
/// <param name="DropRate">DARE: probability p that an entry of τ_k is dropped; the rest scale by 1/(1−p).</param>
/// <param name="Seed">DARE: seed of the drop masks (mixed with the model index and the tensor's key).</param>
/// <param name="ElectSign">Sign election and disjoint mean (TIES, RHM) instead of a weighted sum.</param>
/// <param name="Weighting">How the task vectors are weighed.</param>
/// <param name="Rule">With <see cref="ModelWeighting.Redundancy"/>: how similarities become weights.</param>
public sealed record GeneralizedTaskArithmetic(
    double Lambda = 1.0,
    double Density = 1.0,
    double DropRate = 0.0,
    long Seed = 0,
    bool ElectSign = false,
    ModelWeighting Weighting = ModelWeighting.Sum,
    RedundancyRule Rule = RedundancyRule.RowSum) : MergeMethod
{
    public override string Name => "generalized";

    public override void Validate()
    {
        Options.Finite(Lambda, nameof(Lambda));
        Options.Fraction(Density, nameof(Density));
        Options.Fraction(DropRate, nameof(DropRate));
        if (!Enum.IsDefined(Weighting))
            throw new ArgumentOutOfRangeException(nameof(Weighting), Weighting, $"unknown {nameof(Weighting)}");
        if (!Enum.IsDefined(Rule))
            throw new ArgumentOutOfRangeException(nameof(Rule), Rule, $"unknown {nameof(Rule)}");
    }

    public override GeneralizedTaskArithmetic ToGeneralized(int modelCount) => this;
}

/// <summary>Task arithmetic: θ = θ0 + λ Σ_k τ_k. Ilharco et al. 2023, "Editing Models with Task Arithmetic".
/// </summary>
/// <param name="Lambda">λ, the scale of the summed task vectors.</param>
public sealed record TaskArithmetic(double Lambda = 0.3) : MergeMethod
{
    public override string Name => "task-arithmetic";

    public override void Validate() => Options.Finite(Lambda, nameof(Lambda));

    public override GeneralizedTaskArithmetic ToGeneralized(int modelCount) => new(Lambda: Lambda);
}

/// <summary>Uniform soup: θ = (1/K) Σ_k θ_k. Wortsman et al. 2022, "Model soups".</summary>
public sealed record Soup : MergeMethod
{
    public override string Name => "soup";

    public override void Validate() { }

    public override GeneralizedTaskArithmetic ToGeneralized(int modelCount) =>
        new(Lambda: 1.0, Weighting: ModelWeighting.Mean);
}

/// <summary>
/// TIES: trim to density, elect sign by sum, disjoint mean, λ. Yadav et al. 2023, "TIES-Merging". The trim keeps
/// the fraction d of every tensor (as mergekit does), where the paper's code ranks the whole flattened task vector;
/// so each layer keeps its share, and the merge streams tensor by tensor.
/// </summary>
/// <param name="Density">Fraction of each τ_k's entries kept by magnitude.</param>
/// <param name="Lambda">λ, the scale of the merged task vector.</param>
public sealed record Ties(double Density = 0.2, double Lambda = 1.0) : MergeMethod
{
    public override string Name => "ties";

    public override void Validate()
    {
        Options.Fraction(Density, nameof(Density));
        Options.Finite(Lambda, nameof(Lambda));
    }

    public override GeneralizedTaskArithmetic ToGeneralized(int modelCount) =>
        new(Lambda: Lambda, Density: Density, ElectSign: true);
}

/// <summary>
/// DARE: drop each entry of τ_k with probability p, rescale the rest by 1/(1−p), then merge with
/// <paramref name="Inner"/> (task arithmetic, the default with λ = 1, or TIES, whose own trim then also applies).
/// Yu et al. 2024, "Language Models are Super Mario".
/// <para>
/// The mask is a pure function of (seed, k, key, i), so that it is the same on every path, chunking and thread
/// count. The tensor seed s = <see cref="MergeSteps.TensorSeed"/>(seed, k, key): FNV-1a of the key's UTF-16 code
/// units, mixed with seed and the model index k by a splitmix64 finalizer. For the entry of row-major index i,
/// h = f(f(lo32(i) ⊕ lo32(s)) ⊕ hi32(i) ⊕ hi32(s)), f MurmurHash3's 32-bit finalizer, and u = h · 2^−32; the
/// entry is dropped iff u &lt; p (<see cref="DropMask"/>).
/// </para>
/// </summary>
/// <param name="DropRate">p, the probability that an entry is dropped; 1 drops everything and gives θ0.</param>
/// <param name="Seed">Seed of the drop masks.</param>
/// <param name="Inner">The merge after dropping: <see cref="TaskArithmetic"/> or <see cref="Ties"/>.</param>
public sealed record Dare(double DropRate = 0.9, long Seed = 0, MergeMethod? Inner = null) : MergeMethod
{
    public override string Name => "dare";

    /// <summary>The merge after dropping; task arithmetic with λ = 1 when none was given.</summary>
    public MergeMethod InnerOrDefault => Inner ?? new TaskArithmetic(Lambda: 1.0);

    public override void Validate()
    {
        Options.Fraction(DropRate, nameof(DropRate));
        if (InnerOrDefault is not (TaskArithmetic or Ties))
            throw new ArgumentException(
                $"{nameof(Inner)} must be task arithmetic or TIES, got {InnerOrDefault.Name}", nameof(Inner));
        InnerOrDefault.Validate();
    }

    public override GeneralizedTaskArithmetic ToGeneralized(int modelCount) =>
        InnerOrDefault.ToGeneralized(modelCount) with { DropRate = DropRate, Seed = Seed };
}

/// <summary>WiSE-FT: θ = (1−α) θ0 + α θ_1 for one fine-tuned model. Wortsman et al. 2022, "Robust fine-tuning
/// of zero-shot models".</summary>
/// <param name="Alpha">α, the weight of the fine-tuned model.</param>
public sealed record WiseFt(double Alpha = 0.5) : MergeMethod
{
    public override string Name => "wise-ft";

    public override void Validate() => Options.Fraction(Alpha, nameof(Alpha));

    public override GeneralizedTaskArithmetic ToGeneralized(int modelCount) =>
        modelCount == 1
            ? new(Lambda: Alpha)
            : throw new ArgumentException($"WiSE-FT interpolates θ0 and one model, got {modelCount} models");
}

/// <summary>
/// RHM, redundancy-aware historical model merging: the candidates are all K × N snapshots; per parameter group
/// w_i = 1/Σ_j max(0, cos(τ_i, τ_j)), normalized; trim to density, elect sign by the weighted sum of the kept
/// values, weighted disjoint mean of the agreeing ones, θ = θ0 + λ τ_merged. With uniform weights it is TIES.
/// The "no history" ablation is the caller's: pass only each model's last snapshot as the candidates.
/// </summary>
/// <param name="Density">Fraction of each candidate's entries kept by magnitude.</param>
/// <param name="Lambda">λ, the scale of the merged task vector.</param>
/// <param name="UseRedundancyWeights">false: uniform weights (the "no redundancy" ablation).</param>
/// <param name="Rule">How similarities become weights (<see cref="RedundancyRule"/>; the paper's by default).</param>
public sealed record Rhm(double Density = 0.2, double Lambda = 1.0, bool UseRedundancyWeights = true,
    RedundancyRule Rule = RedundancyRule.RowSum) : MergeMethod
{
    public override string Name => "rhm";

    public override void Validate()
    {
        Options.Fraction(Density, nameof(Density));
        Options.Finite(Lambda, nameof(Lambda));
        if (!Enum.IsDefined(Rule)) throw new ArgumentOutOfRangeException(nameof(Rule), Rule, $"unknown {nameof(Rule)}");
    }

    public override GeneralizedTaskArithmetic ToGeneralized(int modelCount) =>
        new(Lambda: Lambda, Density: Density, ElectSign: true,
            Weighting: UseRedundancyWeights ? ModelWeighting.Redundancy : ModelWeighting.Sum, Rule: Rule);
}
