using Ham.Cli.Runs;
using Ham.Cli.Training;
using Ham.Testing;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class TrainingClipTests
{
    [SharedFact]
    public void Clip_backbone_runs_the_job_end_to_end_on_the_random_weight_fixture()
    {
        using var folder = new DataTestFolder();
        var data = TrainingFixtures.SyntheticData(folder, imagesPerClass: 6);
        string[] methods = ["zeroshot", "erm", "swad", "ensemble", "ties", "ham", "ham-no-rhm"];
        var options = TrainingFixtures.Recipe(data, methods, steps: 4) with
        {
            Backbone = "clip",
            Checkpoint = SharedData.Path("fixtures", "clip-tiny", "model.safetensors"),
            Batch = 8,
        };
        var files = new RunFiles(folder.Path("run"));

        var results = DgRunner.Run(options, files, new PlainProgress(TimeSpan.FromMinutes(10)));

        Assert.Equal(methods.Order(), results.Select(r => r.Method).Order());
        Assert.All(results, r => Assert.InRange(r.Accuracy, 0, 1));
        Assert.Contains("\"opa\"", File.ReadAllText(files.LogPath));
    }
}
