namespace Ham.Cli.Reports;

/// <summary>One (method, target) cell: the target accuracies of every seed that measured it.</summary>
public sealed record AccuracyCell(
    // Seeds that measured the cell, ascending.
    IReadOnlyList<int> Seeds,
    // Target accuracy of each seed, in the order of Seeds, in percent.
    IReadOnlyList<double> Percents)
{
    // Mean over seeds, in percent.
    public double Mean => Percents.Average();

    // Sample standard deviation over seeds (n - 1), in percent; null with one seed, where it is undefined.
    public double? Std => Percents.Count < 2
        ? null
        : Math.Sqrt(Percents.Sum(p => (p - Mean) * (p - Mean)) / (Percents.Count - 1));
}

/// <summary>One row: a method, its cell per target (null where not measured) and its average.</summary>
public sealed record AccuracyRow(
    // Method name.
    string Method,
    // One cell per target of the table, in the table's target order; null where not measured.
    IReadOnlyList<AccuracyCell?> Cells,
    // Mean of the cell means in percent; null unless every target is measured.
    double? Average,
    // Smallest and largest seed count over the row's measured cells.
    (int Min, int Max) SeedCounts);

/// <summary>
/// Methods × target domains of target test accuracy, mean ± std over seeds. Rows follow the canonical method
/// order, unknown methods after it in ordinal order; targets are in ordinal order (for PACS: art_painting, cartoon,
/// photo, sketch, the order of the literature).
/// </summary>
public sealed record AccuracyTable(
    // Target domains, the columns.
    IReadOnlyList<string> Targets,
    // One row per method that has at least one measured cell.
    IReadOnlyList<AccuracyRow> Rows,
    // Model-selection rules in words, each with the methods that use it, in row order.
    IReadOnlyList<(string Rule, IReadOnlyList<string> Methods)> Selections)
{
    public static readonly IReadOnlyList<string> CanonicalMethods =
    [
        "zeroshot", "erm", "swad", "ensemble", "soup", "task-arithmetic", "ties", "dare",
        "ham", "ham-no-sae", "ham-no-opa", "ham-no-rhm",
    ];

    public static AccuracyTable From(IEnumerable<ResultRecord> results)
    {
        var all = results.ToList();
        var targets = all.Select(r => r.Target).Distinct().Order(StringComparer.Ordinal).ToList();
        var methods = OrderMethods(all.Select(r => r.Method).Distinct());

        var rows = methods.Select(method => Row(method, targets, all.Where(r => r.Method == method).ToList()))
            .ToList();

        var selections = methods
            .SelectMany(method => all.Where(r => r.Method == method)
                .Select(r => r.Selection ?? "not logged").Distinct().Select(rule => (rule, method)))
            .GroupBy(pair => pair.rule)
            .Select(group => (group.Key, (IReadOnlyList<string>)group.Select(pair => pair.method).ToList()))
            .ToList();
        return new AccuracyTable(targets, rows, selections);
    }

    public static List<string> OrderMethods(IEnumerable<string> methods)
    {
        var distinct = methods.Distinct().ToList();
        var known = CanonicalMethods.Where(distinct.Contains);
        var unknown = distinct.Where(m => !CanonicalMethods.Contains(m)).Order(StringComparer.Ordinal);
        return known.Concat(unknown).ToList();
    }

    private static AccuracyRow Row(string method, IReadOnlyList<string> targets, List<ResultRecord> results)
    {
        var cells = targets.Select(target => Cell(results.Where(r => r.Target == target))).ToList();

        var measured = cells.OfType<AccuracyCell>().ToList();
        double? average = measured.Count == targets.Count ? measured.Average(c => c.Mean) : null;
        var seedCounts = (measured.Min(c => c.Seeds.Count), measured.Max(c => c.Seeds.Count));
        return new AccuracyRow(method, cells, average, seedCounts);
    }

    private static AccuracyCell? Cell(IEnumerable<ResultRecord> results)
    {
        var bySeed = results.OrderBy(r => r.Seed).ToList();
        return bySeed.Count == 0
            ? null
            : new AccuracyCell(bySeed.Select(r => r.Seed).ToList(), bySeed.Select(r => 100 * r.Accuracy).ToList());
    }
}
