using TorchSharp;

namespace Ham.Algorithms;

/// <summary>SAE options (sample-conflict-aware adaptive source enrichment).</summary>
/// <param name="Quantile">q: τ_k follows the q-quantile of p_y on the correctly classified own samples.</param>
/// <param name="Momentum">m: τ_k ← m τ_k + (1 − m) · quantile.</param>
/// <param name="WarmupFraction">Share of the total steps during which no candidate is accepted.</param>
/// <param name="Beta">β, the weight of the accepted candidates' cross-entropy.</param>
public sealed record SaeOptions(
    double Quantile = 0.5, double Momentum = 0.9, double WarmupFraction = 0.1, double Beta = 1.0)
{
    /// <summary>Throws ArgumentOutOfRangeException naming the first out-of-range option.</summary>
    public void Validate()
    {
        Options.Fraction(Quantile, nameof(Quantile));
        Options.Fraction(Momentum, nameof(Momentum));
        Options.Fraction(WarmupFraction, nameof(WarmupFraction));
        Options.NonNegative(Beta, nameof(Beta));
    }

    /// <summary>w = round(WarmupFraction · totalSteps): steps 0 … w − 1 accept nothing.</summary>
    public long WarmupSteps(long totalSteps) =>
        (long)Math.Round(WarmupFraction * totalSteps, MidpointRounding.AwayFromZero);
}

/// <summary>One model's SAE state.</summary>
/// <param name="Threshold">τ_k, the acceptance threshold on p_y (unused until there is one).</param>
/// <param name="Step">Number of steps taken (calls of <see cref="Sae.Select"/>).</param>
/// <param name="HasThreshold">Whether any own batch had a correctly classified sample yet.</param>
public sealed record SaeState(double Threshold, long Step, bool HasThreshold)
{
    /// <summary>Before the first step: no threshold yet, so nothing can be accepted.</summary>
    public static SaeState Initial { get; } = new(1.0, 0, false);
}

/// <summary>The outcome of one SAE step.</summary>
/// <param name="Accepted">bool [M]: which candidates model k trains on (owned by the caller).</param>
/// <param name="Next">The state after this step, whose threshold was used for <paramref name="Accepted"/>.</param>
/// <param name="BatchQuantile">The q-quantile of this own batch (null when no own sample was right).</param>
public sealed record SaeSelection(torch.Tensor Accepted, SaeState Next, double? BatchQuantile);

/// <summary>
/// SAE: each model trains on its own domain's batch and on the candidates from the other sources that it already
/// classifies right with confidence at least its adaptive threshold τ_k.
/// </summary>
public static class Sae
{
    /// <summary>
    /// One step for model k: update τ_k from the own batch, then accept candidates with argmax = y and p_y ≥ τ_k
    /// (none before warm-up). Logits [B, C] and [M, C], labels [B] and [M] (int64), on any device; not modified.
    /// </summary>
    public static SaeSelection Select(SaeState state, torch.Tensor ownLogits, torch.Tensor ownLabels,
        torch.Tensor candidateLogits, torch.Tensor candidateLabels, SaeOptions options, long totalSteps)
    {
        options.Validate();
        if (totalSteps <= 0)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "totalSteps must be > 0");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();

        var (ownProbability, ownCorrect) = TrueClassProbability(ownLogits, ownLabels);
        var batchQuantile = CorrectQuantile(ownProbability, ownCorrect, options.Quantile);
        var next = UpdateThreshold(state, batchQuantile, options.Momentum);

        var (candidateProbability, candidateCorrect) = TrueClassProbability(candidateLogits, candidateLabels);
        var warm = state.Step >= options.WarmupSteps(totalSteps) && next.HasThreshold;
        var accepted = warm
            ? Accept(candidateProbability, candidateCorrect, next.Threshold)
            : torch.zeros(candidateLabels.shape[0], torch.ScalarType.Bool, candidateLabels.device);
        return new SaeSelection(accepted.MoveToOuterDisposeScope(), next, batchQuantile);
    }

    // p_y = softmax(z)_y, correct = [argmax z = y]; [N, C], [N] -> [N], [N]
    public static (torch.Tensor Probability, torch.Tensor Correct) TrueClassProbability(
        torch.Tensor logits, torch.Tensor labels)
    {
        if (logits.dim() != 2 || labels.dim() != 1 || logits.shape[0] != labels.shape[0])
            throw new ArgumentException(
                $"expected logits [N, C] and labels [N], got [{string.Join(", ", logits.shape)}] and " +
                $"[{string.Join(", ", labels.shape)}]");
        using var probabilities = torch.softmax(logits.to(torch.ScalarType.Float32), 1);
        using var index = labels.to(torch.ScalarType.Int64).unsqueeze(1);
        // [N, C] -> [N, 1] -> [N]
        var probability = probabilities.gather(1, index).squeeze(1);
        using var predicted = logits.argmax(1);
        var correct = predicted.eq(labels.to(torch.ScalarType.Int64));
        return (probability, correct);
    }

    // quantile_q { p_y : argmax = y } with linear interpolation between order statistics; null when none is right
    public static double? CorrectQuantile(torch.Tensor probability, torch.Tensor correct, double quantile)
    {
        using var selected = probability.masked_select(correct).to(torch.ScalarType.Float64).cpu();
        var values = selected.data<double>().ToArray();
        if (values.Length == 0) return null;
        Array.Sort(values);
        var position = quantile * (values.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, values.Length - 1);
        return values[below] + (position - below) * (values[above] - values[below]);
    }

    // τ ← m τ + (1 − m) quantile; the first quantile seen sets τ; no quantile leaves τ as it is
    public static SaeState UpdateThreshold(SaeState state, double? batchQuantile, double momentum)
    {
        if (batchQuantile is not { } quantile) return state with { Step = state.Step + 1 };
        var threshold = state.HasThreshold ? momentum * state.Threshold + (1 - momentum) * quantile : quantile;
        return new SaeState(threshold, state.Step + 1, true);
    }

    // accepted = [argmax = y] ∧ [p_y ≥ τ]
    public static torch.Tensor Accept(torch.Tensor probability, torch.Tensor correct, double threshold)
    {
        using var confident = probability.ge(threshold);
        return correct.logical_and(confident);
    }

    /// <summary>
    /// CE(own) + β · CE(accepted candidates), each a mean over its samples; the β-term is 0 (and still part of
    /// the graph) when none is accepted. Differentiable in both logits.
    /// </summary>
    // L = mean_B CE(z, y) + β · Σ_M a_i CE(z_i, y_i) / max(1, Σ_M a_i)
    public static torch.Tensor Loss(torch.Tensor ownLogits, torch.Tensor ownLabels, torch.Tensor candidateLogits,
        torch.Tensor candidateLabels, torch.Tensor accepted, double beta)
    {
        Options.NonNegative(beta, nameof(beta));
        using var scope = torch.NewDisposeScope();
        var ownLoss = torch.nn.functional.cross_entropy(ownLogits, ownLabels);
        var candidateLoss = torch.nn.functional.cross_entropy(
            candidateLogits, candidateLabels, reduction: torch.nn.Reduction.None);
        var acceptedMask = accepted.to(torch.ScalarType.Bool);
        var acceptedLoss = torch.where(acceptedMask, candidateLoss, torch.zeros_like(candidateLoss)).sum();
        var acceptedCount = acceptedMask.sum().to(candidateLoss.dtype).clamp_min(1);
        var loss = ownLoss + beta * (acceptedLoss / acceptedCount);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One row of the K × K acceptance matrix: for each source domain j, the share of its candidates that were
    /// accepted (0 for a domain with no candidates in this batch, e.g. the model's own).
    /// </summary>
    public static double[] AcceptanceRates(torch.Tensor accepted, torch.Tensor candidateDomains, int domainCount)
    {
        using var scope = torch.NewDisposeScope();
        var domains = candidateDomains.to(torch.ScalarType.Int64).cpu().data<long>().ToArray();
        var flags = accepted.to(torch.ScalarType.Bool).cpu().data<bool>().ToArray();
        if (domains.Length != flags.Length)
            throw new ArgumentException($"{flags.Length} acceptance flags for {domains.Length} candidate domains");
        var seen = new long[domainCount];
        var taken = new long[domainCount];
        for (var i = 0; i < domains.Length; i++)
        {
            if (domains[i] < 0 || domains[i] >= domainCount)
                throw new ArgumentOutOfRangeException(nameof(candidateDomains), domains[i],
                    $"candidate {i} has domain {domains[i]}, expected 0 … {domainCount - 1}");
            seen[domains[i]]++;
            if (flags[i]) taken[domains[i]]++;
        }
        return seen.Select((n, j) => n == 0 ? 0.0 : (double)taken[j] / n).ToArray();
    }
}
