using System.ComponentModel;
using Ham.Cli.Data;
using Ham.Cli.Runs;
using Ham.Cli.Training;
using Spectre.Console.Cli;

namespace Ham.Cli.Commands;

/// <summary>
/// `ham demo`: the main job on its embedded default, a short real leave-one-domain-out run of every method that
/// prints the accuracy table. PACS when it is found (--data, or ../shared/data/pacs beside the repository or the
/// current folder), otherwise a data set that Ham generates.
/// </summary>
[Description("A short ham dg (reduced recipe, one target) on PACS when found, else on generated data")]
public sealed class DemoCommand : Command<DemoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <DIR>")]
        [Description("Data set (DomainBed layout, or a folder with images/ and splits/); default: " +
                     "../shared/data/pacs when found, else generated shapes")]
        public string? Data { get; init; }

        [CommandOption("--out <RUNDIR>")] [Description("Run directory (default runs/demo-<time>)")]
        public string? Out { get; init; }

        [CommandOption("--threads <N>")] [Description("libtorch threads (default: all cores)")]
        public int? Threads { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var (data, splits, description) = FindData(settings.Data);
        var options = Recipe(data, splits, generated: settings.Data is null && description.StartsWith("generated"))
            with { Threads = settings.Threads ?? 0 };
        var files = new RunFiles(settings.Out ?? Path.Combine("runs", $"demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        Log.Info($"ham demo: data: {description}");
        Log.Info($"recipe: target {string.Join(", ", options.Targets)}, seed {options.Seeds[0]}, " +
                 $"{options.Steps} steps, {options.Resolution} px, {options.Batch} images per source and step, " +
                 $"Adam lr {options.LearningRate}, " +
                 $"validation every {options.EvalEvery} steps, snapshots every {options.SnapshotEvery}, " +
                 $"λ grid {string.Join("/", options.Lambdas)} (sums {string.Join("/", options.SumLambdas)}), " +
                 $"d {string.Join("/", options.Densities)}; backbone {options.Backbone}. " +
                 "The full recipe is ham dg (500 steps, 128 px, 32 per source).");
        Log.Info($"run directory: {files.Directory}");
        List<ResultLine> results;
        try
        {
            results = DgCommand.Run(options, files, null, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return DgCommand.Interrupted(files);
        }
        ResultTable.Print(results, options.Methods, options.Targets);
        Log.Info($"accuracy on the held-out domain in percent ({description}); results: {files.ResultsPath}");
        return 0;
    }

    /// <summary>The reduced recipe: one target, a short training at low resolution, small selection grids.</summary>
    public static DgOptions Recipe(string data, string? splits, bool generated) => new()
    {
        Data = data,
        Splits = splits,
        Targets = [generated ? "sketch" : "photo"],
        Seeds = [0],
        Methods = TrainingKind.Methods.Select(m => m.Method).ToList(),
        Steps = 60,
        Resolution = generated ? 32 : 64,
        Batch = 16,
        EvalEvery = 20,
        SnapshotEvery = 20,
        BatchNormImages = 256,
        Lambdas = [1.0],
        SumLambdas = [0.5],
        Densities = [0.2],
    };

    /// <summary>The data the demo uses: --data, else PACS beside the repository or the current folder, else a
    /// generated set (written once into the system's temporary folder).</summary>
    public static (string Data, string? Splits, string Description) FindData(string? given)
    {
        if (given is not null)
        {
            if (!Directory.Exists(given)) throw new DirectoryNotFoundException($"--data: folder not found: {given}");
            return WithSplits(Path.GetFullPath(given));
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var pacs = Path.Combine(dir.FullName, "..", "shared", "data", "pacs");
                if (Directory.Exists(Path.Combine(pacs, "images"))) return WithSplits(Path.GetFullPath(pacs));
                if (File.Exists(Path.Combine(dir.FullName, "Ham.sln"))) break;
            }
        }
        var generated = SyntheticDomains.Write(Path.Combine(Path.GetTempPath(), "ham-demo-shapes-seed0"), seed: 0);
        return (generated, null, $"generated shapes ({generated}; no PACS found at ../shared/data/pacs)");
    }

    private static (string, string?, string) WithSplits(string folder)
    {
        var images = Path.Combine(folder, "images");
        if (!Directory.Exists(images)) return (folder, null, $"{folder} (seeded 80/20 splits)");
        var splits = Path.Combine(folder, "splits");
        return Directory.Exists(splits)
            ? (images, splits, $"{folder} (official split lists)")
            : (images, null, $"{folder} (seeded 80/20 splits)");
    }
}
