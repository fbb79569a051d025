using System.Globalization;
using Spectre.Console;

namespace Ham.Cli.Runs;

/// <summary>The methods × targets accuracy table of a run (mean over seeds, with the seed count).</summary>
public static class ResultTable
{
    public static void Print(IReadOnlyList<ResultLine> results, IReadOnlyList<string> methods,
        IReadOnlyList<string> targets)
    {
        var rows = Rows(results, methods, targets);
        if (Log.IsTerminal)
        {
            var table = new Table().AddColumn("method");
            foreach (var header in rows[0].Skip(1)) table.AddColumn(new TableColumn(header).RightAligned());
            foreach (var row in rows.Skip(1)) table.AddRow(row.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(table);
            return;
        }
        var widths = Enumerable.Range(0, rows[0].Count).Select(c => rows.Max(r => r[c].Length)).ToList();
        foreach (var row in rows)
            Log.Info(string.Join("  ",
                row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))));
    }

    /// <summary>Header then one row per method: accuracy in percent per target, the average, and the seeds.</summary>
    public static List<List<string>> Rows(IReadOnlyList<ResultLine> results, IReadOnlyList<string> methods,
        IReadOnlyList<string> targets)
    {
        var rows = new List<List<string>> { new[] { "method" }.Concat(targets).Concat(["average", "seeds"]).ToList() };
        foreach (var method in methods)
        {
            var row = new List<string> { method };
            var means = new List<double>();
            var seeds = new HashSet<int>();
            foreach (var target in targets)
            {
                var cells = results.Where(r => r.Method == method && r.Target == target).ToList();
                foreach (var cell in cells) seeds.Add(cell.Seed);
                if (cells.Count == 0) { row.Add("-"); continue; }
                var mean = cells.Average(r => r.Accuracy);
                means.Add(mean);
                row.Add((100 * mean).ToString("0.0", CultureInfo.InvariantCulture));
            }
            row.Add(means.Count == targets.Count && means.Count > 0
                ? (100 * means.Average()).ToString("0.0", CultureInfo.InvariantCulture) : "-");
            row.Add(seeds.Count.ToString(CultureInfo.InvariantCulture));
            rows.Add(row);
        }
        return rows;
    }
}
