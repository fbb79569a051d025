using System.Globalization;
using ScottPlot;

namespace Ham.Cli.Reports;

/// <summary>One rendered figure: the file name it is written under and its PNG bytes.</summary>
public sealed record Figure(
    // File name inside the output directory, e.g. "accuracy.png".
    string FileName,
    // The encoded PNG.
    byte[] Png);

/// <summary>
/// The report's PNG figures, drawn with ScottPlot: accuracy per method and target (grouped bars), training curves
/// per (target, seed), and the SAE acceptance matrix of each training's last logged step.
/// </summary>
public static class ReportPlots
{
    // Ten strong colours for up to ten series; the twenty-colour palette (pairs of shades) beyond that.
    private static readonly IPalette Strong = new ScottPlot.Palettes.Category10();
    private static readonly IPalette Wide = new ScottPlot.Palettes.Category20();

    /// <summary>Trainings in the order a reader compares them; unknown ones follow in ordinal order.</summary>
    private static readonly string[] TrainingOrder = ["erm", "plain", "ham", "ham-no-sae", "ham-no-opa"];

    public static IReadOnlyList<Figure> All(AccuracyTable table, IEnumerable<StepRecord> steps)
    {
        var figures = new List<Figure>();
        if (table.Rows.Count > 0) figures.Add(new Figure("accuracy.png", AccuracyBars(table)));

        var runs = LastPerStep(steps).GroupBy(s => (s.Target, s.Seed))
            .OrderBy(g => g.Key.Target, StringComparer.Ordinal).ThenBy(g => g.Key.Seed);
        foreach (var run in runs)
        {
            var (target, seed) = run.Key;
            var name = $"{FileSafe(target)}-seed{seed}";
            figures.Add(new Figure($"curves-{name}.png", TrainingCurves(target, seed, run.ToList())));
            foreach (var training in OrderTrainings(run.Where(s => s.Sae is not null).Select(s => s.Training)))
            {
                var ofTraining = run.Where(s => s.Training == training).ToList();
                var last = ofTraining.Where(s => s.Sae is not null).MaxBy(s => s.Step)!;
                figures.Add(new Figure($"sae-{name}-{FileSafe(training)}.png",
                    AcceptanceHeatmap(target, seed, training, last, DomainsByModel(ofTraining))));
            }
        }
        return figures;
    }

    /// <summary>Grouped bars: a group per target and the average, a bar per method, ± std as error bars.</summary>
    public static byte[] AccuracyBars(AccuracyTable table)
    {
        using var plot = new Plot();
        var groups = table.Targets.Append("Average").ToList();
        var methods = table.Rows.Count;
        var palette = methods <= 10 ? Strong : Wide;
        var bars = new List<Bar>();
        for (var m = 0; m < methods; m++)
        {
            var row = table.Rows[m];
            var values = row.Cells.Select(c => c is null ? ((double, double)?)null : (c.Mean, c.Std ?? 0))
                .Append(row.Average is { } average ? (average, 0) : null)
                .ToList();
            for (var g = 0; g < groups.Count; g++)
            {
                if (values[g] is not var (mean, std)) continue;
                bars.Add(new Bar
                {
                    Position = g * (methods + 1) + m,
                    Value = mean,
                    Error = std,
                    FillColor = palette.GetColor(m),
                    LineWidth = 1,
                    LineColor = Colors.Black,
                    ErrorSize = 0.4,
                });
            }
        }
        plot.Add.Bars(bars);

        var centers = groups.Select((_, g) => g * (methods + 1) + (methods - 1) / 2.0).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(centers, groups.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Legend.ManualItems.AddRange(table.Rows.Select((row, m) =>
            new LegendItem { LabelText = row.Method, FillColor = palette.GetColor(m) }));
        plot.ShowLegend(Edge.Right);
        plot.Axes.Margins(bottom: 0);
        plot.Title("Target-domain test accuracy (mean ± std over seeds)");
        plot.YLabel("accuracy (%)");
        return Png(plot, 1200, 600);
    }

    /// <summary>
    /// One row per training, two panels: training loss, and training accuracy (line) with source validation
    /// accuracy (dots), each per model coloured by its source domain.
    /// </summary>
    public static byte[] TrainingCurves(string target, int seed, IReadOnlyList<StepRecord> steps)
    {
        var trainings = OrderTrainings(steps.Select(s => s.Training));
        var domains = steps.Select(DomainLabel).Distinct().Order(StringComparer.Ordinal).ToList();
        var palette = domains.Count <= 10 ? Strong : Wide;
        var multiplot = new Multiplot();
        multiplot.AddPlots(2 * trainings.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(trainings.Count, 2);

        for (var t = 0; t < trainings.Count; t++)
        {
            var loss = multiplot.GetPlot(2 * t);
            var accuracy = multiplot.GetPlot(2 * t + 1);
            var models = steps.Where(s => s.Training == trainings[t]).GroupBy(s => s.Model).OrderBy(g => g.Key);
            foreach (var model in models)
            {
                var points = model.OrderBy(s => s.Step).ToList();
                var label = DomainLabel(points[0]);
                var color = palette.GetColor(domains.IndexOf(label));
                var xs = points.Select(s => (double)s.Step).ToArray();

                var lossLine = loss.Add.ScatterLine(xs, points.Select(s => s.Loss).ToArray(), color);
                lossLine.LegendText = label;
                accuracy.Add.ScatterLine(xs, points.Select(s => 100 * s.Accuracy).ToArray(), color);

                var validated = points.Where(s => s.ValAccuracy is not null).ToList();
                if (validated.Count == 0) continue;
                var dots = accuracy.Add.Scatter(validated.Select(s => (double)s.Step).ToArray(),
                    validated.Select(s => 100 * s.ValAccuracy!.Value).ToArray(), color);
                dots.MarkerSize = 7;
                dots.LinePattern = LinePattern.Dashed;
            }
            loss.Title($"{trainings[t]}: training loss", size: 14);
            loss.YLabel("loss");
            loss.ShowLegend(Alignment.UpperRight);
            accuracy.Title($"{trainings[t]}: accuracy (line: training batch, dots: source validation)", size: 14);
            accuracy.YLabel("accuracy (%)");
            if (t == trainings.Count - 1)
            {
                loss.XLabel("step");
                accuracy.XLabel("step");
            }
        }
        multiplot.GetPlot(0).Title($"target {target}, seed {seed} — {multiplot.GetPlot(0).Axes.Title.Label.Text}",
            size: 14);
        using var image = multiplot.Render(1400, 320 * trainings.Count);
        return image.GetImageBytes(ImageFormat.Png, 100);
    }

    /// <summary>Heatmap of a K×K acceptance matrix: row k = model k, column j = source domain j.</summary>
    public static byte[] AcceptanceHeatmap(string target, int seed, string training, StepRecord last,
        IReadOnlyList<string> domains)
    {
        var acceptance = last.Sae!.Acceptance;
        var k = acceptance.Count;
        var labels = Enumerable.Range(0, k).Select(i => i < domains.Count ? domains[i] : $"domain {i}").ToArray();
        var intensities = new double[k, k];
        for (var row = 0; row < k; row++)
        for (var column = 0; column < k; column++)
            intensities[row, column] = acceptance[row][column];

        using var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        heatmap.Extent = new CoordinateRect(0, k, 0, k);
        plot.Add.ColorBar(heatmap).Label = "share accepted";

        for (var row = 0; row < k; row++)
        for (var column = 0; column < k; column++)
        {
            var value = acceptance[row][column];
            var text = plot.Add.Text(value.ToString("0.00", CultureInfo.InvariantCulture),
                column + 0.5, k - row - 0.5);
            text.LabelAlignment = Alignment.MiddleCenter;
            text.LabelFontSize = 16;
            text.LabelFontColor = value < 0.6 ? Colors.White : Colors.Black;
        }

        var centers = Enumerable.Range(0, k).Select(i => i + 0.5).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(centers, labels);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            centers.Reverse().ToArray(), labels);
        plot.Axes.SetLimits(0, k, 0, k);
        plot.XLabel("candidates from source domain");
        plot.YLabel("model of source domain");
        plot.Title($"SAE acceptance, {training}, target {target}, seed {seed}, step {last.Step}");
        return Png(plot, 760, 640);
    }

    /// <summary>A resumed run logs again the steps after its last checkpoint: the later line of a step wins.</summary>
    public static IEnumerable<StepRecord> LastPerStep(IEnumerable<StepRecord> steps) =>
        steps.GroupBy(s => (s.Target, s.Seed, s.Training, s.Model, s.Step)).Select(g => g.Last());

    public static List<string> OrderTrainings(IEnumerable<string> trainings)
    {
        var distinct = trainings.Distinct().ToList();
        return TrainingOrder.Where(distinct.Contains)
            .Concat(distinct.Where(t => !TrainingOrder.Contains(t)).Order(StringComparer.Ordinal))
            .ToList();
    }

    private static List<string> DomainsByModel(IReadOnlyList<StepRecord> steps)
    {
        var models = steps.Where(s => s.Model >= 0).GroupBy(s => s.Model).ToDictionary(g => g.Key, g => g.First());
        var count = models.Count == 0 ? 0 : models.Keys.Max() + 1;
        return Enumerable.Range(0, count)
            .Select(k => models.TryGetValue(k, out var step) ? DomainLabel(step) : $"domain {k}")
            .ToList();
    }

    private static string DomainLabel(StepRecord step) =>
        step.Domain ?? (step.Model < 0 ? "all sources" : $"model {step.Model}");

    private static string FileSafe(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private static byte[] Png(Plot plot, int width, int height) => plot.GetImageBytes(width, height, ImageFormat.Png);
}
