using System.ComponentModel;
using System.Globalization;
using Ham.Cli.Runs;
using Ham.Cli.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Ham.Cli.Commands;

/// <summary>`ham dg`: leave-one-domain-out training, merging and evaluation of every method.</summary>
[Description("Leave-one-domain-out training, merging and evaluation of every method, resumable")]
public sealed class DgCommand : Command<DgCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <DIR>")]
        [Description("Data set in DomainBed's layout (DIR/<domain>/<class>/<image>); a folder with images/ and " +
                     "splits/ (as ../shared/data/pacs) uses both")]
        public string? Data { get; init; }

        [CommandOption("--splits <DIR>")]
        [Description("Official split lists <domain>_{train,crossval,test}_kfold.txt; default: seeded 80/20")]
        public string? Splits { get; init; }

        [CommandOption("--targets <LIST>")]
        [Description("Held-out target domains, comma-separated; default: every domain")]
        public string? Targets { get; init; }

        [CommandOption("--seeds <LIST>")]
        [Description("Seeds, comma-separated; default: 0")]
        public string? Seeds { get; init; }

        [CommandOption("--methods <LIST>")]
        [Description("Methods, comma-separated; default: all (zeroshot, erm, swad, ensemble, soup, " +
                     "task-arithmetic, ties, dare, ham, ham-no-sae, ham-no-opa, ham-no-rhm)")]
        public string? Methods { get; init; }

        [CommandOption("--steps <N>")] [Description("Training steps (default 500)")]
        public int? Steps { get; init; }

        [CommandOption("--resolution <PX>")] [Description("Image side in pixels (default 128)")]
        public int? Resolution { get; init; }

        [CommandOption("--batch <N>")] [Description("Images per source domain per step (default 32)")]
        public int? Batch { get; init; }

        [CommandOption("--lr <RATE>")] [Description("Adam learning rate (default 5e-5)")]
        public double? LearningRate { get; init; }

        [CommandOption("--eval-every <N>")] [Description("Validation and checkpoint every N steps (default 50)")]
        public int? EvalEvery { get; init; }

        [CommandOption("--snapshot-every <N>")] [Description("RHM snapshots every N steps (default 100)")]
        public int? SnapshotEvery { get; init; }

        [CommandOption("--bn-images <N>")]
        [Description("Source training images to recompute batch-norm statistics on after a merge (default 512)")]
        public int? BatchNormImages { get; init; }

        [CommandOption("--lambdas <LIST>")]
        [Description("λ grid of TIES and RHM (ham), chosen on source validation (default 0.5,1,1.5)")]
        public string? Lambdas { get; init; }

        [CommandOption("--sum-lambdas <LIST>")]
        [Description("λ grid of task arithmetic and DARE, whose task vectors add up (default 0.3,0.5,0.7,1)")]
        public string? SumLambdas { get; init; }

        [CommandOption("--densities <LIST>")]
        [Description("Density grid d of TIES and RHM (default 0.2,0.5)")]
        public string? Densities { get; init; }

        [CommandOption("--batch-norm <MODE>")]
        [Description("Batch norm while training: frozen (default; θ0's running statistics) or train")]
        public string? BatchNorm { get; init; }

        [CommandOption("--recompute-bn <WHEN>")]
        [Description("Recompute batch-norm statistics on source images after merges: auto (default: when batch norm " +
                     "trains), always, never")]
        public string? RecomputeBatchNorm { get; init; }

        [CommandOption("--redundancy <RULE>")]
        [Description("RHM's weights from the snapshots' similarities: row-sum (default, the paper's) or " +
                     "pseudo-inverse (exactly invariant to duplicated snapshots)")]
        public string? Redundancy { get; init; }

        [CommandOption("--backbone <NAME>")] [Description("resnet18 (default) or clip")]
        public string? Backbone { get; init; }

        [CommandOption("--checkpoint <FILE>")]
        [Description("Backbone weights: a CLIP checkpoint for clip; the ONNX file for resnet18 (default: bundled)")]
        public string? Checkpoint { get; init; }

        [CommandOption("--out <RUNDIR>")] [Description("Run directory (default runs/dg-<time>)")]
        public string? Out { get; init; }

        [CommandOption("--resume <RUNDIR>")]
        [Description("Continue a run from its last checkpoints with its own options; finished cells are skipped")]
        public string? Resume { get; init; }

        [CommandOption("--device <NAME>")] [Description("cpu (default) or cuda")]
        public string? Device { get; init; }

        [CommandOption("--threads <N>")] [Description("libtorch threads (default: all cores)")]
        public int? Threads { get; init; }

        [CommandOption("--stop-after <STEPS>")]
        [Description("Stop after this many training steps, as if killed (to try --resume)")]
        public long? StopAfter { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var (options, files) = Resolve(settings);
        Log.Info($"run directory: {files.Directory}");
        var budget = settings.StopAfter is { } steps ? new StepBudget(steps) : null;
        List<ResultLine> results;
        try
        {
            results = Run(options, files, budget, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return Interrupted(files);
        }
        catch (OperationCanceledException) when (budget is not null)
        {
            Log.Info($"stopped after {settings.StopAfter} training steps; continue with: " +
                     $"ham dg --resume {files.Directory}");
            return 3;
        }
        ResultTable.Print(results, options.Methods, options.Targets);
        Log.Info($"results: {files.ResultsPath}");
        return 0;
    }

    /// <summary>
    /// Runs <paramref name="options"/> in <paramref name="files"/>, with progress bars on a terminal and plain lines
    /// every 30 s otherwise.
    /// </summary>
    public static List<ResultLine> Run(DgOptions options, RunFiles files, StepBudget? budget,
        CancellationToken cancellation) =>
        Log.IsTerminal
            ? TerminalProgress.Run(progress => DgRunner.Run(options, files, progress, budget, cancellation))
            : DgRunner.Run(options, files, new PlainProgress(TimeSpan.FromSeconds(30)), budget, cancellation);

    /// <summary>After Ctrl+C: where the run stands and how to go on; 130, the shell's code for an interrupt.</summary>
    public static int Interrupted(RunFiles files)
    {
        Log.Info($"interrupted; what was written is kept (results and the last checkpoint of each training); " +
                 $"continue with: ham dg --resume {files.Directory}");
        return 130;
    }

    /// <summary>The options of a new run from the command line, or of a resumed one from its options.json.</summary>
    public static (DgOptions Options, RunFiles Files) Resolve(Settings settings)
    {
        if (settings.Resume is { } resume)
        {
            var existing = new RunFiles(resume);
            var saved = existing.ReadOptions();
            if (settings.Threads is { } threads) saved = saved with { Threads = threads };
            if (settings.Device is { } device) saved = saved with { Device = device };
            return (saved, existing);
        }

        var data = settings.Data ?? throw new ArgumentException("--data is required (or --resume RUNDIR)");
        if (!Directory.Exists(data)) throw new DirectoryNotFoundException($"--data: folder not found: {data}");
        var splits = settings.Splits;
        var images = Path.Combine(data, "images");
        if (Directory.Exists(images))
        {
            var beside = Path.Combine(data, "splits");
            if (splits is null && Directory.Exists(beside)) splits = beside;
            data = images;
        }

        var methods = List(settings.Methods) ?? TrainingKind.Methods.Select(m => m.Method).ToList();
        var targets = List(settings.Targets) ?? Data.DomainBedFolder.Scan(data).Domains.ToList();
        var seeds = (List(settings.Seeds) ?? ["0"]).Select(s => int.TryParse(s, NumberStyles.Integer,
            CultureInfo.InvariantCulture, out var seed) ? seed
            : throw new ArgumentException($"--seeds: '{s}' is not an integer")).ToList();
        var defaults = new DgOptions { Data = "", Targets = [], Seeds = [], Methods = [] };
        var options = defaults with
        {
            Data = Path.GetFullPath(data),
            Splits = splits is null ? null : Path.GetFullPath(splits),
            Targets = targets,
            Seeds = seeds,
            Methods = methods,
            Steps = settings.Steps ?? defaults.Steps,
            Resolution = settings.Resolution ?? defaults.Resolution,
            Batch = settings.Batch ?? defaults.Batch,
            LearningRate = settings.LearningRate ?? defaults.LearningRate,
            EvalEvery = settings.EvalEvery ?? defaults.EvalEvery,
            SnapshotEvery = settings.SnapshotEvery ?? defaults.SnapshotEvery,
            BatchNormImages = settings.BatchNormImages ?? defaults.BatchNormImages,
            Lambdas = Numbers(settings.Lambdas, "--lambdas") ?? defaults.Lambdas,
            SumLambdas = Numbers(settings.SumLambdas, "--sum-lambdas") ?? defaults.SumLambdas,
            Densities = Numbers(settings.Densities, "--densities") ?? defaults.Densities,
            BatchNorm = settings.BatchNorm ?? defaults.BatchNorm,
            RecomputeBatchNorm = settings.RecomputeBatchNorm ?? defaults.RecomputeBatchNorm,
            Redundancy = settings.Redundancy ?? defaults.Redundancy,
            Backbone = settings.Backbone ?? defaults.Backbone,
            Checkpoint = settings.Checkpoint is null ? null : Path.GetFullPath(settings.Checkpoint),
            Device = settings.Device ?? defaults.Device,
            Threads = settings.Threads ?? defaults.Threads,
        };
        DgRunner.Validate(options);
        var output = settings.Out ?? Path.Combine("runs", $"dg-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        return (options, new RunFiles(output));
    }

    private static List<double>? Numbers(string? text, string option) => List(text)?.Select(item =>
        double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new ArgumentException($"{option}: '{item}' is not a number")).ToList();

    private static List<string>? List(string? text) =>
        text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
