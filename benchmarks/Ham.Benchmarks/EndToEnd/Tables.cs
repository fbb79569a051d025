using System.Globalization;
using System.Text;
using Ham.Benchmarks.Measure;

namespace Ham.Benchmarks.EndToEnd;

/// <summary>Markdown tables of a run's figures, with the ratios to the anchors and to memory copy speed.</summary>
public static class Tables
{
    /// <summary>fusion_bench's TIES on 3 × 86 M as issue 5 quotes it (2 cores, ~20 GB/s copy): 28.7 s.</summary>
    public const double QuotedFusionBenchSeconds = 28.7;

    public static string Markdown(IReadOnlyList<Figure> figures, Machine machine)
    {
        var text = new StringBuilder();
        text.AppendLine($"Machine: {machine}. Loads are 1-minute averages when each figure was taken.");
        text.AppendLine();
        AppendMerges(text, figures);
        AppendRatios(text, figures, "training", " (PyTorch)");
        AppendAll(text, figures);
        return text.ToString();
    }

    private static void AppendMerges(StringBuilder text, IReadOnlyList<Figure> figures)
    {
        var copy = figures.FirstOrDefault(f => f.Name.StartsWith("copy 1 GiB, 1 thread", StringComparison.Ordinal));
        var anchor = figures.FirstOrDefault(f => f.Anchor && f.Group == "merge" && f.Unit == "s");
        var seconds = figures.Where(f => f.Group == "merge" && f.Unit == "s" && !f.Anchor).ToList();
        if (seconds.Count == 0) return;

        text.AppendLine("| merge (K = 3 × 86 M f32) | s | GB/s in | peak GB | peak above start GB | " +
                        "× vs fusion_bench 28.7 s | × vs PyTorch here | copies of the input at copy speed | load |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var figure in seconds)
        {
            var inputBytes = figure.Detail("input_bytes");
            var copies = copy is null ? double.NaN : figure.Value * copy.Value * 1e9 / inputBytes;
            text.AppendLine(string.Join(" | ", "", figure.Name, F(figure.Value, 2),
                F(inputBytes / figure.Value / 1e9, 2),
                F(figure.Detail("peak_bytes") / 1e9, 2),
                F((figure.Detail("peak_bytes") - figure.Detail("baseline_bytes")) / 1e9, 2),
                F(QuotedFusionBenchSeconds / figure.Value, 1),
                anchor is null ? "–" : F(anchor.Value / figure.Value, 1), F(copies, 1), F(figure.Load, 1), "")
                .Trim());
        }
        if (anchor is not null)
            text.AppendLine($"| {anchor.Name} | {F(anchor.Value, 2)} | " +
                            $"{F(anchor.Detail("input_bytes") / anchor.Value / 1e9, 2)} | " +
                            $"{F(anchor.Detail("peak_bytes") / 1e9, 2)} | " +
                            $"{F((anchor.Detail("peak_bytes") - anchor.Detail("baseline_bytes")) / 1e9, 2)} | " +
                            $"{F(QuotedFusionBenchSeconds / anchor.Value, 1)} | 1.0 | – | {F(anchor.Load, 1)} |");
        text.AppendLine();
    }

    private static void AppendRatios(StringBuilder text, IReadOnlyList<Figure> figures, string group, string suffix)
    {
        var ours = figures.Where(f => f.Group == group && !f.Anchor).ToList();
        if (ours.Count == 0) return;
        text.AppendLine($"| {group} | Ham | unit | PyTorch here | Ham / PyTorch | load (Ham, PyTorch) |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var figure in ours)
        {
            var anchor = figures.FirstOrDefault(f => f.Anchor && f.Name == figure.Name + suffix);
            text.AppendLine($"| {figure.Name} | {F(figure.Value, 2)} | {figure.Unit} | " +
                            $"{(anchor is null ? "–" : F(anchor.Value, 2))} | " +
                            $"{(anchor is null ? "–" : F(figure.Value / anchor.Value, 2))} | " +
                            $"{F(figure.Load, 1)}, {(anchor is null ? "–" : F(anchor.Load, 1))} |");
        }
        text.AppendLine();
    }

    private static void AppendAll(StringBuilder text, IReadOnlyList<Figure> figures)
    {
        text.AppendLine("| group | figure | value | unit | load | time |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var figure in figures)
            text.AppendLine($"| {figure.Group} | {figure.Name} | {F(figure.Value, 3)} | {figure.Unit} | " +
                            $"{F(figure.Load, 1)} | {figure.Time} |");
    }

    private static string F(double value, int digits) =>
        double.IsNaN(value) ? "–" : value.ToString("F" + digits, CultureInfo.InvariantCulture);
}
