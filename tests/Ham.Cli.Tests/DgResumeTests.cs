using Ham.Cli.Runs;
using Ham.Cli.Training;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class DgResumeTests
{
    private static readonly string[] Methods = ["erm", "swad", "ham", "ham-no-rhm"];

    private static string Comparable(IEnumerable<ResultLine> results) => string.Join("\n", results
        .OrderBy(r => r.Method, StringComparer.Ordinal)
        .Select(r => $"{r.Method} {r.Target} {r.Seed} {r.Accuracy:R} {r.ValAccuracy:R} {r.Chosen} {r.Steps}"));

    [Fact]
    public void A_run_stopped_mid_training_and_resumed_equals_an_uninterrupted_run()
    {
        using var folder = new DataTestFolder();
        var data = TrainingFixtures.SyntheticData(folder, imagesPerClass: 5);
        var options = TrainingFixtures.Recipe(data, Methods, steps: 8) with { EvalEvery = 3, SnapshotEvery = 4 };
        var quiet = new PlainProgress(TimeSpan.FromMinutes(10));

        var whole = DgRunner.Run(options, new RunFiles(folder.Path("whole")), quiet);

        var interrupted = new RunFiles(folder.Path("interrupted"));
        // erm takes 8 steps, then ham stops after 5: its checkpoint is at step 3, steps 4 and 5 are redone.
        Assert.Throws<OperationCanceledException>(() =>
            DgRunner.Run(options, interrupted, quiet, new StepBudget(13)));
        Assert.Contains(interrupted.ReadResults(), r => r.Method == "erm");
        Assert.DoesNotContain(interrupted.ReadResults(), r => r.Method == "ham");
        var resumed = DgRunner.Run(interrupted.ReadOptions(), interrupted, quiet);

        Assert.Equal(Comparable(whole), Comparable(resumed));
        var logLines = File.ReadAllLines(interrupted.LogPath).Length;
        Assert.Equal(File.ReadAllLines(Path.Combine(folder.Path("whole"), "log.jsonl")).Length, logLines);
    }
}
