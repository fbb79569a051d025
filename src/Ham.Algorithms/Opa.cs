using TorchSharp;

namespace Ham.Algorithms;

/// <summary>What OPA did on one parameter group.</summary>
/// <param name="Group">The group's name.</param>
/// <param name="Conflicts">How many models had ⟨g_k, o_k⟩ &lt; 0 there (and were projected).</param>
/// <param name="Cosines">cos(g_k, o_k) per model before alignment (0 where a norm is 0).</param>
public sealed record OpaGroupStats(string Group, int Conflicts, double[] Cosines);

/// <summary>OPA's outcome.</summary>
/// <param name="Gradients">Per model, the aligned gradients by key (new tensors, owned by the caller).</param>
/// <param name="Groups">Per parameter group, the conflicts and cosines.</param>
public sealed record OpaResult(IReadOnlyList<Dictionary<string, torch.Tensor>> Gradients,
    IReadOnlyList<OpaGroupStats> Groups);

/// <summary>
/// OPA, optimization-conflict-aware parameter alignment: before the K models' joint optimizer step, per parameter
/// group, o_k = mean of the other models' gradients, and where ⟨g_k, o_k⟩ &lt; 0 the conflicting component is
/// removed, g_k ← g_k − (⟨g_k, o_k⟩ / ‖o_k‖²) o_k. Every model is projected against the others' original
/// gradients (simultaneously, not in sequence). Groups without conflict are copied bit for bit.
/// </summary>
public static class Opa
{
    /// <summary>
    /// gradients[k][key] -> aligned gradients. All models must have the same keys and shapes; keys in no group
    /// form a group of their own. Inputs are not modified.
    /// </summary>
    public static OpaResult Align(IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> gradients,
        IReadOnlyList<ParameterGroup> groups)
    {
        if (gradients.Count == 0) throw new ArgumentException("OPA needs at least one model's gradients");
        RequireSameKeys(gradients);
        var modelCount = gradients.Count;
        var aligned = Enumerable.Range(0, modelCount).Select(_ => new Dictionary<string, torch.Tensor>()).ToList();
        var stats = new List<OpaGroupStats>();
        foreach (var group in Grouping.Complete(groups, gradients[0].Keys))
        {
            var gram = Gram(gradients, group.Keys);
            var coefficients = new double[modelCount];
            var cosines = new double[modelCount];
            for (var k = 0; k < modelCount; k++)
                (coefficients[k], cosines[k]) = Conflict(gram, k);
            stats.Add(new OpaGroupStats(group.Name, coefficients.Count(c => c != 0), cosines));
            foreach (var key in group.Keys)
            for (var k = 0; k < modelCount; k++)
                aligned[k][key] = coefficients[k] == 0
                    ? gradients[k][key].clone()
                    : Project(gradients, key, k, coefficients[k]);
        }
        return new OpaResult(aligned, stats);
    }

    // G_ij = Σ_keys ⟨g_i, g_j⟩, accumulated on the device, one transfer per group
    public static double[,] Gram(IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> gradients,
        IReadOnlyList<string> keys)
    {
        using var scope = torch.NewDisposeScope();
        var count = gradients.Count;
        var device = gradients[0][keys[0]].device;
        var gram = torch.zeros(count, count, torch.ScalarType.Float64, device);
        foreach (var key in keys)
        {
            var computeType = Tensors.ComputeType(gradients.Select(g => g[key].dtype));
            // K x [n] -> [K, n]; [K, n] x [n, K] -> [K, K]
            var stacked = torch.stack(gradients.Select(g => g[key].to(computeType).reshape(-1)).ToArray());
            gram.add_(stacked.mm(stacked.t()).to(torch.ScalarType.Float64));
        }
        var values = gram.cpu().data<double>().ToArray();
        var result = new double[count, count];
        for (var i = 0; i < count; i++)
        for (var j = 0; j < count; j++)
            result[i, j] = values[i * count + j];
        return result;
    }

    // o_k = Σ_{j≠k} g_j/(K−1): ⟨g_k, o_k⟩ = mean_{j≠k} G_kj, ‖o_k‖² = Σ_{i,j≠k} G_ij/(K−1)²;
    // returns c_k = ⟨g_k, o_k⟩/‖o_k‖² when that inner product is negative (else 0), and cos(g_k, o_k)
    public static (double Coefficient, double Cosine) Conflict(double[,] gram, int k)
    {
        var count = gram.GetLength(0);
        if (count < 2) return (0, 0);
        var others = count - 1.0;
        var inner = 0.0;
        var otherNormSquared = 0.0;
        for (var i = 0; i < count; i++)
        {
            if (i == k) continue;
            inner += gram[k, i] / others;
            for (var j = 0; j < count; j++)
                if (j != k) otherNormSquared += gram[i, j] / (others * others);
        }
        var norms = Math.Sqrt(gram[k, k] * otherNormSquared);
        var cosine = norms > 0 ? inner / norms : 0;
        // Only a conflict that the cosine shows is projected (norms that underflow to 0 show none).
        var coefficient = cosine < 0 ? inner / otherNormSquared : 0;
        return (coefficient, cosine);
    }

    // g_k ← g_k − c_k o_k = g_k − (c_k/(K−1)) Σ_{j≠k} g_j
    public static torch.Tensor Project(IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> gradients,
        string key, int k, double coefficient)
    {
        var original = gradients[k][key];
        var computeType = Tensors.ComputeType(gradients.Select(g => g[key].dtype));
        using var projected = original.to(computeType, copy: true);
        var scale = -coefficient / (gradients.Count - 1);
        for (var j = 0; j < gradients.Count; j++)
        {
            if (j == k) continue;
            using var other = gradients[j][key].to(computeType);
            projected.add_(other, alpha: scale);
        }
        return projected.to(original.dtype, copy: true);
    }

    private static void RequireSameKeys(IReadOnlyList<IReadOnlyDictionary<string, torch.Tensor>> gradients)
    {
        var reference = gradients[0];
        for (var k = 1; k < gradients.Count; k++)
        {
            var missing = reference.Keys.Where(key => !gradients[k].ContainsKey(key))
                .Concat(gradients[k].Keys.Where(key => !reference.ContainsKey(key))).ToList();
            if (missing.Count > 0)
                throw new ArgumentException(
                    $"gradients of model {k} and model 0 differ in keys: {string.Join(", ", missing)}");
            foreach (var (key, tensor) in reference)
                Tensors.RequireShape(gradients[k][key], tensor, key, $"the gradients of model {k}");
        }
    }
}
