namespace Ham.Algorithms;

/// <summary>One scored candidate of a grid.</summary>
/// <param name="Method">The merge method with the grid's λ (and density).</param>
/// <param name="Score">The caller's score of it (higher is better), e.g. source-validation accuracy.</param>
public sealed record GridPoint(MergeMethod Method, double Score);

/// <summary>The grid search's outcome.</summary>
/// <param name="Best">The best point (the first of the grid among equal scores).</param>
/// <param name="All">Every point in grid order, for the logs.</param>
public sealed record GridChoice(GridPoint Best, IReadOnlyList<GridPoint> All);

/// <summary>
/// Chooses λ (and d) from small grids with a score that the caller computes, by accuracy on the source domains'
/// validation data only, never the held-out domain.
/// </summary>
public static class Tuning
{
    /// <summary>λ values commonly searched for task arithmetic, TIES and RHM.</summary>
    public static IReadOnlyList<double> DefaultLambdas { get; } = [0.3, 0.5, 0.7, 1.0, 1.3];

    /// <summary>Densities commonly searched for TIES and RHM.</summary>
    public static IReadOnlyList<double> DefaultDensities { get; } = [0.1, 0.2, 0.3, 0.5];

    /// <summary>
    /// <paramref name="method"/> with each λ (outer) and each density (inner; ignored by methods without one), in
    /// grid order. WiSE-FT's α plays λ's role; the soup has nothing to tune and is returned as it is.
    /// </summary>
    public static IReadOnlyList<MergeMethod> Grid(
        MergeMethod method, IReadOnlyList<double> lambdas, IReadOnlyList<double>? densities = null)
    {
        var grid = new List<MergeMethod>();
        foreach (var lambda in lambdas)
        foreach (var density in densities ?? [double.NaN])
            grid.Add(With(method, lambda, density));
        var distinct = grid.Distinct().ToList();
        foreach (var candidate in distinct) candidate.Validate();
        return distinct;
    }

    /// <summary>Scores every candidate and returns the best (first on ties). NaN scores never win.</summary>
    public static GridChoice Choose(IReadOnlyList<MergeMethod> grid, Func<MergeMethod, double> score)
    {
        if (grid.Count == 0) throw new ArgumentException("the grid is empty", nameof(grid));
        var points = grid.Select(m => new GridPoint(m, score(m))).ToList();
        var best = points[0];
        foreach (var point in points.Skip(1))
            if (point.Score > best.Score || double.IsNaN(best.Score) && !double.IsNaN(point.Score))
                best = point;
        return new GridChoice(best, points);
    }

    // the method with λ := lambda and d := density (NaN density: unchanged)
    private static MergeMethod With(MergeMethod method, double lambda, double density) => method switch
    {
        TaskArithmetic m => m with { Lambda = lambda },
        Ties m => m with { Lambda = lambda, Density = double.IsNaN(density) ? m.Density : density },
        Rhm m => m with { Lambda = lambda, Density = double.IsNaN(density) ? m.Density : density },
        Dare m => m with { Inner = With(m.InnerOrDefault, lambda, density) },
        WiseFt m => m with { Alpha = lambda },
        GeneralizedTaskArithmetic m => m with
        {
            Lambda = lambda, Density = double.IsNaN(density) ? m.Density : density,
        },
        _ => method,
    };
}
