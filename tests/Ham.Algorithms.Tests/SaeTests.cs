using TorchSharp;

namespace Ham.Algorithms.Tests;

public sealed class SaeTests
{
    // Logits whose softmax is exactly the given probabilities (log p; rows sum to 1).
    private static torch.Tensor Logits(params double[][] probabilities) =>
        torch.tensor(probabilities.SelectMany(row => row.Select(p => (float)Math.Log(p))).ToArray())
            .reshape(probabilities.Length, probabilities[0].Length);

    private static torch.Tensor Labels(params long[] labels) => torch.tensor(labels);

    private static bool[] Flags(torch.Tensor mask) => mask.data<bool>().ToArray();

    // Own batch: p_y on the correct samples 0.8, 0.6, 0.4 (median 0.6); sample 3 is wrong (predicts class 0).
    private static readonly torch.Tensor OwnLogits = Logits(
        [0.8, 0.1, 0.1], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4], [0.7, 0.2, 0.1]);
    private static readonly torch.Tensor OwnLabels = Labels(0, 1, 2, 1);

    // Candidates: right with p_y 0.9, right with 0.5, wrong, right with 0.65.
    private static readonly torch.Tensor CandidateLogits = Logits(
        [0.05, 0.9, 0.05], [0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.2, 0.15, 0.65]);
    private static readonly torch.Tensor CandidateLabels = Labels(1, 0, 0, 2);

    private static readonly SaeOptions Options = new(Quantile: 0.5, Momentum: 0.9, WarmupFraction: 0.1, Beta: 1);

    [Fact]
    public void Nothing_is_accepted_before_warm_up_but_the_threshold_is_set()
    {
        var selection = Sae.Select(SaeState.Initial, OwnLogits, OwnLabels, CandidateLogits, CandidateLabels, Options,
            totalSteps: 20);
        Assert.Equal([false, false, false, false], Flags(selection.Accepted));
        Assert.True(selection.Next.HasThreshold);
        Assert.Equal(0.6, selection.Next.Threshold, 5);
        Assert.Equal(1, selection.Next.Step);
    }

    [Fact]
    public void After_warm_up_correct_and_confident_candidates_are_accepted()
    {
        var state = new SaeState(Threshold: 0.6, Step: 2, HasThreshold: true);
        var selection = Sae.Select(state, OwnLogits, OwnLabels, CandidateLogits, CandidateLabels, Options, 20);
        // τ stays 0.6 (EMA of 0.6 and 0.6); accepted: right and p_y ≥ 0.6.
        Assert.Equal(0.6, selection.Next.Threshold, 5);
        Assert.Equal([true, false, false, true], Flags(selection.Accepted));
    }

    [Fact]
    public void Threshold_moves_by_the_momentum_toward_the_batch_quantile()
    {
        var state = new SaeState(Threshold: 0.9, Step: 5, HasThreshold: true);
        var selection = Sae.Select(state, OwnLogits, OwnLabels, CandidateLogits, CandidateLabels, Options, 20);
        // τ = 0.9 · 0.9 + 0.1 · 0.6 = 0.87: only the 0.9 candidate passes.
        Assert.Equal(0.87, selection.Next.Threshold, 5);
        Assert.Equal(0.6, selection.BatchQuantile!.Value, 5);
        Assert.Equal([true, false, false, false], Flags(selection.Accepted));
    }

    [Fact]
    public void Quantile_interpolates_between_the_correct_samples()
    {
        var state = new SaeState(0.5, 5, true);
        var selection = Sae.Select(state, OwnLogits, OwnLabels, CandidateLogits, CandidateLabels,
            Options with { Quantile = 0.2, Momentum = 0 }, 20);
        // Sorted 0.4, 0.6, 0.8: position 0.4 -> 0.48.
        Assert.Equal(0.48, selection.Next.Threshold, 5);
        Assert.Equal([true, true, false, true], Flags(selection.Accepted));
    }

    [Fact]
    public void An_own_batch_without_correct_samples_leaves_the_threshold()
    {
        var state = new SaeState(0.7, 5, true);
        var allWrong = Labels(2, 2, 0, 2);
        var selection = Sae.Select(state, OwnLogits, allWrong, CandidateLogits, CandidateLabels, Options, 20);
        Assert.Null(selection.BatchQuantile);
        Assert.Equal(0.7, selection.Next.Threshold, 10);
        Assert.Equal(6, selection.Next.Step);
        Assert.Equal([true, false, false, false], Flags(selection.Accepted));
    }

    [Fact]
    public void Warm_up_is_the_rounded_fraction_of_the_steps()
    {
        Assert.Equal(10, Options.WarmupSteps(100));
        Assert.Equal(0, (Options with { WarmupFraction = 0 }).WarmupSteps(100));
        var state = new SaeState(0.6, 9, true);
        Assert.Equal([false, false, false, false],
            Flags(Sae.Select(state, OwnLogits, OwnLabels, CandidateLogits, CandidateLabels, Options, 100).Accepted));
        Assert.Contains(true,
            Flags(Sae.Select(state with { Step = 10 }, OwnLogits, OwnLabels, CandidateLogits, CandidateLabels,
                Options, 100).Accepted));
    }

    [Fact]
    public void Loss_is_own_cross_entropy_plus_beta_times_that_of_the_accepted()
    {
        var accepted = torch.tensor(new[] { true, false, false, true });
        var own = torch.nn.functional.cross_entropy(OwnLogits, OwnLabels).item<float>();
        var acceptedOnly = torch.nn.functional.cross_entropy(
            CandidateLogits.index_select(0, torch.tensor(new long[] { 0, 3 })),
            CandidateLabels.index_select(0, torch.tensor(new long[] { 0, 3 }))).item<float>();
        var loss = Sae.Loss(OwnLogits, OwnLabels, CandidateLogits, CandidateLabels, accepted, beta: 0.5);
        Assert.Equal(own + 0.5 * acceptedOnly, loss.item<float>(), 5);
    }

    [Fact]
    public void Loss_without_accepted_candidates_is_own_cross_entropy_and_differentiable()
    {
        var ownLogits = OwnLogits.clone().requires_grad_(true);
        var candidateLogits = CandidateLogits.clone().requires_grad_(true);
        var none = torch.zeros(4, torch.ScalarType.Bool);
        var loss = Sae.Loss(ownLogits, OwnLabels, candidateLogits, CandidateLabels, none, beta: 1);
        Assert.Equal(torch.nn.functional.cross_entropy(OwnLogits, OwnLabels).item<float>(), loss.item<float>(), 6);
        loss.backward();
        Assert.Equal(0f, candidateLogits.grad!.abs().sum().item<float>());
        Assert.True(ownLogits.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Acceptance_rates_are_the_share_of_each_domains_candidates()
    {
        var accepted = torch.tensor(new[] { true, false, true, true, false });
        var domains = torch.tensor(new long[] { 1, 1, 2, 2, 2 });
        Assert.Equal([0.0, 0.5, 2.0 / 3], Sae.AcceptanceRates(accepted, domains, 3));
    }

    [Theory]
    [InlineData(-0.1, 0.9, 0.1, 1.0, "Quantile")]
    [InlineData(0.5, 1.5, 0.1, 1.0, "Momentum")]
    [InlineData(0.5, 0.9, 1.1, 1.0, "WarmupFraction")]
    [InlineData(0.5, 0.9, 0.1, -1.0, "Beta")]
    public void Out_of_range_options_are_refused_by_name(double q, double m, double w, double beta, string name)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Sae.Select(SaeState.Initial, OwnLogits,
            OwnLabels, CandidateLogits, CandidateLabels, new SaeOptions(q, m, w, beta), 10));
        Assert.Equal(name, error.ParamName);
    }
}
