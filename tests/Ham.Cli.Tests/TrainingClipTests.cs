using Ham.Cli.Runs;
using Ham.Cli.Training;
using Ham.Testing;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class TrainingClipTests
{
    [SharedFact]
    public void Clip_backbone_groups_are_the_tiny_specs_embeddings_layers_and_the_rest_of_the_tower()
    {
        using var backbone = ClipBackbone.Load(SharedData.Path("fixtures", "clip-tiny", "model.safetensors"),
            TorchSharp.torch.CPU);

        var groups = backbone.Groups;

        Assert.Equal(["visual.embeddings", "visual.layers.0", "visual.layers.1", "visual.rest"],
            groups.Select(g => g.Name));
        Assert.Equal(["class_embedding", "positional_embedding", "conv1.weight"], groups[0].Keys);
        Assert.Equal(12, groups[1].Keys.Count);
        Assert.StartsWith("transformer.resblocks.1.", groups[2].Keys[0]);
        Assert.Equal(["proj", "ln_pre.weight", "ln_pre.bias", "ln_post.weight", "ln_post.bias"], groups[3].Keys);
        Assert.Equal(backbone.TrainedKeys.Order(), groups.SelectMany(g => g.Keys).Order());
    }

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
