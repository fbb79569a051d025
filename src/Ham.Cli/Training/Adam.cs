using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>
/// Adam (Kingma and Ba, 2015) over named parameters, with its moments as named tensors so that a checkpoint holds
/// them and a resumed run continues bit for bit. The same arithmetic as PyTorch's default (non-fused) Adam without
/// weight decay.
/// </summary>
public sealed class Adam : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> parameters;
    private readonly Dictionary<string, Tensor> firstMoments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> secondMoments = new(StringComparer.Ordinal);
    private readonly double learningRate;
    private readonly double beta1;
    private readonly double beta2;
    private readonly double epsilon;

    public Adam(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate, double beta1 = 0.9,
        double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (!(learningRate > 0 && double.IsFinite(learningRate)))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "--lr must be a positive number");
        this.parameters = parameters.ToList();
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        foreach (var (name, parameter) in this.parameters)
        {
            firstMoments[name] = zeros_like(parameter).DetachFromDisposeScope();
            secondMoments[name] = zeros_like(parameter).DetachFromDisposeScope();
        }
    }

    /// <summary>Steps taken so far.</summary>
    public long Step { get; private set; }

    /// <summary>The parameters' gradients by name (live references; null entries are absent).</summary>
    public Dictionary<string, Tensor> Gradients()
    {
        var gradients = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in parameters)
            if (parameter.grad is { } gradient) gradients[name] = gradient;
        return gradients;
    }

    public void ZeroGrad()
    {
        foreach (var (_, parameter) in parameters)
            if (parameter.grad is { } gradient) gradient.zero_();
    }

    // m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
    // θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
    public void StepOnce()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Step++;
        var correction1 = 1 - Math.Pow(beta1, Step);
        var correction2 = 1 - Math.Pow(beta2, Step);
        var stepSize = learningRate / correction1;
        var correction2Root = Math.Sqrt(correction2);
        foreach (var (name, parameter) in parameters)
        {
            if (parameter.grad is not { } gradient) continue;
            var m = firstMoments[name];
            var v = secondMoments[name];
            m.lerp_(gradient, 1 - beta1);
            v.mul_(beta2).addcmul_(gradient, gradient, value: 1 - beta2);
            var denominator = v.sqrt().div_(correction2Root).add_(epsilon);
            parameter.addcdiv_(m, denominator, value: -stepSize);
        }
    }

    /// <summary>The moments under "m." / "v." names (live references) and the step count.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> State() =>
        firstMoments.Select(p => KeyValuePair.Create("m." + p.Key, p.Value))
            .Concat(secondMoments.Select(p => KeyValuePair.Create("v." + p.Key, p.Value)));

    /// <summary>Restores moments (names as <see cref="State"/> gives them) and the step count.</summary>
    public void Restore(IReadOnlyDictionary<string, Tensor> state, long step)
    {
        using var noGrad = no_grad();
        foreach (var (name, _) in parameters)
        {
            firstMoments[name].copy_(Required(state, "m." + name));
            secondMoments[name].copy_(Required(state, "v." + name));
        }
        Step = step;
    }

    private static Tensor Required(IReadOnlyDictionary<string, Tensor> state, string key) =>
        state.TryGetValue(key, out var tensor)
            ? tensor
            : throw new InvalidDataException($"the checkpoint has no Adam state '{key}'");

    public void Dispose()
    {
        StateDicts.Dispose(firstMoments.Values);
        StateDicts.Dispose(secondMoments.Values);
    }
}
