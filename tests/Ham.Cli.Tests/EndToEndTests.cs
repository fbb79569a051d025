using Ham.Cli.Runs;
using Ham.Cli.Training;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class EndToEndTests
{
    [Fact]
    public void The_whole_job_on_generated_data_gives_every_method_and_training_beats_zeroshot()
    {
        using var folder = new DataTestFolder();
        var data = TrainingFixtures.SyntheticData(folder);
        var methods = TrainingKind.Methods.Select(m => m.Method).ToList();
        var options = TrainingFixtures.Recipe(data, methods, steps: 40);
        var files = new RunFiles(folder.Path("run"));

        var results = DgRunner.Run(options, files, new PlainProgress(TimeSpan.FromMinutes(10)));

        Assert.Equal(methods.Order(), results.Select(r => r.Method).Order());
        Assert.All(results, r => Assert.InRange(r.Accuracy, 0, 1));
        Assert.All(results, r => Assert.InRange(r.ValAccuracy, 0, 1));
        var zeroshot = results.Single(r => r.Method == "zeroshot").Accuracy;
        Assert.True(results.Single(r => r.Method == "erm").Accuracy > zeroshot,
            $"erm {results.Single(r => r.Method == "erm").Accuracy} does not beat zeroshot {zeroshot}");
        Assert.True(results.Single(r => r.Method == "ham").Accuracy > zeroshot,
            $"ham {results.Single(r => r.Method == "ham").Accuracy} does not beat zeroshot {zeroshot}");
        var weights = results.Single(r => r.Method == "ham").MergeWeights!;
        // 4 snapshots of each of the 3 per-domain models; each group's weights sum to 1, so their means do too.
        Assert.Equal(12, weights.Count);
        Assert.Contains("model2-step40", weights.Keys);
        Assert.All(weights.Values, w => Assert.InRange(w, 1e-6, 1));
        Assert.Equal(1, weights.Values.Sum(), 3);
        Assert.Null(results.Single(r => r.Method == "ham-no-rhm").MergeWeights);
        Assert.True(File.Exists(files.OptionsPath));
        Assert.Contains("\"sae\"", File.ReadAllText(files.LogPath));
        Assert.Contains("\"opa\"", File.ReadAllText(files.LogPath));
    }
}
