using Ham.Model.IO;

namespace Ham.Cli.Reports;

/// <summary>What <see cref="Report.Write"/> produced: the Markdown table and the paths of every file written.</summary>
public sealed record ReportOutput(
    // The Markdown table with its notes, as written to accuracy.md.
    string Markdown,
    // Every file written, in the order written.
    IReadOnlyList<string> Files);

/// <summary>
/// <c>ham report</c>: pools run directories and writes the accuracy table (Markdown and CSV), the pooled result
/// lines (CSV) and the PNG figures into one output directory, every file atomically.
/// </summary>
public static class Report
{
    public const string MarkdownFile = "accuracy.md";
    public const string CsvFile = "accuracy.csv";
    public const string ResultsCsvFile = "results.csv";

    /// <summary>The default output directory: <c>report</c> inside the first run directory.</summary>
    public static string DefaultOutput(IReadOnlyList<string> runDirectories) =>
        Path.Combine(runDirectories[0], "report");

    public static ReportOutput Write(IReadOnlyList<string> runDirectories, string outputDirectory, Action<string> warn)
    {
        var runs = RunReader.ReadAll(runDirectories, warn);
        var results = runs.SelectMany(run => run.Results).ToList();
        var steps = runs.SelectMany(run => run.Steps).ToList();
        if (results.Count == 0) warn("no finished cell in any run directory; the table is empty");

        var table = AccuracyTable.From(results);
        var markdown = TableWriter.Markdown(table, runs);
        var files = new List<string>();
        void Save(string name, Action<string> write)
        {
            var path = Path.Combine(outputDirectory, name);
            write(path);
            files.Add(path);
        }

        Save(MarkdownFile, path => AtomicFile.WriteAllText(path, markdown));
        Save(CsvFile, path => AtomicFile.WriteAllText(path, TableWriter.Csv(table)));
        Save(ResultsCsvFile, path => AtomicFile.WriteAllText(path, TableWriter.ResultsCsv(results)));
        foreach (var figure in ReportPlots.All(table, steps))
            Save(figure.FileName, path => AtomicFile.Write(path, stream => stream.Write(figure.Png)));
        return new ReportOutput(markdown, files);
    }
}
