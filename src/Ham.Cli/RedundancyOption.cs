using Ham.Algorithms;

namespace Ham.Cli;

/// <summary>The --redundancy option of ham merge and ham dg: RHM's redundancy rule by its command-line name.</summary>
internal static class RedundancyOption
{
    /// <summary>The rule named (row-sum when none is); ArgumentException naming the option otherwise.</summary>
    public static RedundancyRule Parse(string? name) => name switch
    {
        null or "row-sum" => RedundancyRule.RowSum,
        "pseudo-inverse" => RedundancyRule.PseudoInverse,
        _ => throw new ArgumentException($"--redundancy must be row-sum or pseudo-inverse, got '{name}'",
            "--redundancy"),
    };
}
