using System.Globalization;
using System.Text;

namespace Ham.Cli.Reports;

/// <summary>Renders an <see cref="AccuracyTable"/> as Markdown (for people) and CSV (for tools).</summary>
public static class TableWriter
{
    public const string NotMeasured = "—";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The Markdown table with the notes that say how to read it, the selection rule and the runs.</summary>
    public static string Markdown(AccuracyTable table, IReadOnlyList<RunDirectory> runs)
    {
        var text = new StringBuilder();
        text.AppendLine("| Method | " + string.Join(" | ", table.Targets) + " | Average | Seeds |");
        text.AppendLine("| :--- |" + string.Concat(Enumerable.Repeat(" ---: |", table.Targets.Count + 2)));
        foreach (var row in table.Rows)
        {
            var perCellCounts = row.SeedCounts.Min != row.SeedCounts.Max;
            var cells = row.Cells.Select(cell => cell is null ? NotMeasured : CellText(cell, perCellCounts));
            var average = row.Average is { } mean ? Percent(mean) : NotMeasured;
            text.AppendLine($"| {row.Method} | {string.Join(" | ", cells)} | {average} | {SeedText(row)} |");
        }

        text.AppendLine();
        text.AppendLine("Target-domain test accuracy in percent, mean ± sample standard deviation (n − 1) over " +
                        "seeds; a cell measured with one seed shows its value alone, without ±. " +
                        $"{NotMeasured} marks a cell that was not measured.");
        text.AppendLine($"Average: the mean of a row's target cells, given only for rows measured on every target " +
                        $"({NotMeasured} otherwise). Seeds: seeds per cell; where a row's cells differ, a range, " +
                        "and each cell shows its own (n=…).");
        if (table.Selections.Count == 0) text.AppendLine("Model selection: none to name, no cell has finished yet.");
        if (table.Selections.Count == 1) text.AppendLine($"Model selection: {table.Selections[0].Rule}.");
        if (table.Selections.Count > 1)
        {
            text.AppendLine();
            text.AppendLine("Model selection:");
            foreach (var (rule, methods) in table.Selections)
                text.AppendLine($"- {string.Join(", ", methods)}: {rule}");
        }

        if (runs.Count > 0) text.AppendLine();
        foreach (var run in runs) text.AppendLine($"Run {RunText(run)}.");
        return text.ToString();
    }

    /// <summary>
    /// The table as CSV: per target its mean, std and seed count in percent (empty where not measured or,
    /// for std, with one seed), then the average.
    /// </summary>
    public static string Csv(AccuracyTable table)
    {
        var header = new List<string> { "method", "seeds_min", "seeds_max" };
        header.AddRange(table.Targets.SelectMany(t => new[] { $"{t}_mean", $"{t}_std", $"{t}_seeds" }));
        header.Add("average_mean");

        var text = new StringBuilder();
        text.Append(CsvLine(header));
        foreach (var row in table.Rows)
        {
            var fields = new List<string>
            {
                row.Method,
                row.SeedCounts.Min.ToString(Invariant),
                row.SeedCounts.Max.ToString(Invariant),
            };
            foreach (var cell in row.Cells)
            {
                fields.Add(cell is null ? "" : Number(cell.Mean));
                fields.Add(cell?.Std is { } std ? Number(std) : "");
                fields.Add(cell is null ? "" : cell.Seeds.Count.ToString(Invariant));
            }
            fields.Add(row.Average is { } average ? Number(average) : "");
            text.Append(CsvLine(fields));
        }
        return text.ToString();
    }

    /// <summary>Every pooled result line as CSV, accuracies in percent, with the file:line it came from.</summary>
    public static string ResultsCsv(IEnumerable<ResultRecord> results)
    {
        var text = new StringBuilder();
        text.Append(CsvLine(["method", "target", "seed", "accuracy", "val_accuracy", "selection", "steps",
            "seconds", "chosen", "source"]));
        foreach (var r in results)
            text.Append(CsvLine([
                r.Method, r.Target, r.Seed.ToString(Invariant), Number(100 * r.Accuracy),
                r.ValAccuracy is { } val ? Number(100 * val) : "", r.Selection ?? "",
                r.Steps?.ToString(Invariant) ?? "", r.Seconds is { } s ? s.ToString("0.###", Invariant) : "",
                r.Chosen ?? "", r.Source.ToString(),
            ]));
        return text.ToString();
    }

    public static string CellText(AccuracyCell cell, bool withCount)
    {
        var text = cell.Std is { } std ? $"{Percent(cell.Mean)} ± {Percent(std)}" : Percent(cell.Mean);
        return withCount ? $"{text} (n={cell.Seeds.Count})" : text;
    }

    public static string Percent(double value) => value.ToString("F1", Invariant);

    private static string Number(double value) => value.ToString("0.####", Invariant);

    private static string SeedText(AccuracyRow row) =>
        row.SeedCounts.Min == row.SeedCounts.Max
            ? row.SeedCounts.Min.ToString(Invariant)
            : $"{row.SeedCounts.Min}–{row.SeedCounts.Max}";

    private static string RunText(RunDirectory run)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(run.Path)));
        // ham dg writes "learning_rate"; "lr" is the short name of the brief's schema.
        string[] shown = ["backbone", "data", "steps", "resolution", "batch", "lr"];
        var options = run.Options
            .Select(o => o.Key == "learning_rate" ? KeyValuePair.Create("lr", o.Value) : o)
            .Where(o => shown.Contains(o.Key))
            .OrderBy(o => Array.IndexOf(shown, o.Key))
            .Select(o => $"{o.Key} {o.Value}");
        var results = run.Results.Count;
        // A result's seconds include the training it shares with other methods, so they are shown as a range, not
        // summed.
        var seconds = run.Results.Where(r => r.Seconds is not null).Select(r => r.Seconds!.Value).ToList();
        var (fastest, slowest) = seconds.Count == 0
            ? ("", "")
            : (seconds.Min().ToString("0", Invariant), seconds.Max().ToString("0", Invariant));
        var timing = seconds.Count == 0 ? ""
            : fastest == slowest ? $", {fastest} s each with its training"
            : $", {fastest}–{slowest} s each with its training";
        return $"{name}: {results} result{(results == 1 ? "" : "s")}{timing}" +
               (run.Options.Count > 0 ? $"; {string.Join(", ", options)}" : "");
    }

    private static string CsvLine(IEnumerable<string> fields) =>
        string.Join(",", fields.Select(CsvField)) + "\n";

    private static string CsvField(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{field.Replace("\"", "\"\"")}\"" : field;
}
