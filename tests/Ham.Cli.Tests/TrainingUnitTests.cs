using Ham.Cli.Runs;
using Ham.Cli.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Ham.Cli.Tests;

public sealed class TrainingUnitTests
{
    [Fact]
    public void Time_left_of_a_resumed_training_counts_only_the_steps_taken_since_the_resume()
    {
        // Resumed at step 50 of 500, one step in 4 s: 449 steps left at 4 s each, not at 4 s / 51.
        Assert.Equal(TimeSpan.FromSeconds(449 * 4), PlainProgress.TimeLeft(51, 500, 50, TimeSpan.FromSeconds(4)));
        Assert.Equal(TimeSpan.FromSeconds(90), PlainProgress.TimeLeft(10, 100, 0, TimeSpan.FromSeconds(10)));
        Assert.Null(PlainProgress.TimeLeft(50, 500, 50, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Loading_a_checkpoint_that_lacks_tensors_names_the_file_and_the_missing_keys()
    {
        using var layer = nn.Linear(3, 2);
        using var weight = zeros(2, 3);
        var values = new Dictionary<string, Tensor> { ["model0.weight"] = weight };

        var error = Assert.Throws<InvalidDataException>(() =>
            StateDicts.Load(layer, values, "model0.", requireAll: true, source: "state-step50.safetensors"));

        Assert.Equal("state-step50.safetensors: 1 of the encoder's 2 tensors under 'model0.'; missing: bias",
            error.Message);
    }

    [Fact]
    public void A_saved_training_of_another_model_count_is_refused_finished_or_not()
    {
        Trainer.SavedState Saved(bool done, int models) => new(500, done, "final.safetensors", 1.0,
            done ? [] : Enumerable.Repeat(500L, models).ToList(), Enumerable.Repeat(Ham.Algorithms.SaeState.Initial,
                models).ToList(), 0, -1, 0, new double[models], Enumerable.Repeat<IReadOnlyList<string>>([], models)
                .ToList());

        Saved(done: true, models: 3).RequireModels(3, "state.json", "ham");
        Saved(done: false, models: 3).RequireModels(3, "state.json", "ham");
        var finished = Assert.Throws<InvalidDataException>(() =>
            Saved(done: true, models: 2).RequireModels(3, "state.json", "ham"));
        Assert.StartsWith("state.json: the saved training has 2 models, this cell trains 3 (ham)", finished.Message);
        Assert.Throws<InvalidDataException>(() => (Saved(done: false, models: 3) with { AdamSteps = [1, 2] })
            .RequireModels(3, "state.json", "ham"));
    }

    [Fact]
    public void Adam_matches_torchsharp_adam_step_for_step()
    {
        manual_seed(3);
        using var ours = nn.Linear(5, 3);
        using var theirs = nn.Linear(5, 3);
        theirs.load_state_dict(ours.state_dict());
        using var adam = new Adam(ours.named_parameters(), 1e-2);
        var reference = optim.Adam(theirs.parameters(), 1e-2);
        using var input = randn(8, 5);

        for (var step = 0; step < 5; step++)
        {
            adam.ZeroGrad();
            ours.call(input).pow(2).sum().backward();
            adam.StepOnce();
            reference.zero_grad();
            theirs.call(input).pow(2).sum().backward();
            reference.step();
        }

        foreach (var (name, tensor) in ours.state_dict())
            Assert.True(tensor.allclose(theirs.state_dict()[name], rtol: 1e-6, atol: 1e-7), name);
    }

    [Fact]
    public void Adam_restored_from_its_state_continues_as_the_original()
    {
        manual_seed(4);
        using var first = nn.Linear(4, 2);
        using var second = nn.Linear(4, 2);
        using var input = randn(6, 4);
        using var adam = new Adam(first.named_parameters(), 1e-2);
        void Step(nn.Module<Tensor, Tensor> module, Adam optimizer)
        {
            optimizer.ZeroGrad();
            module.call(input).pow(3).sum().backward();
            optimizer.StepOnce();
        }
        Step(first, adam);
        second.load_state_dict(first.state_dict());
        using var restored = new Adam(second.named_parameters(), 1e-2);
        restored.Restore(adam.State().ToDictionary(p => p.Key, p => p.Value), adam.Step);

        Step(first, adam);
        Step(second, restored);

        foreach (var (name, tensor) in first.state_dict())
            Assert.True(tensor.equal(second.state_dict()[name]).all().item<bool>(), name);
    }

    [Fact]
    public void Epoch_sampler_draws_every_image_once_per_epoch_and_depends_only_on_the_step()
    {
        var pool = Enumerable.Range(100, 10).ToList();
        var sampler = new EpochSampler(pool, seed: 9);

        var epoch = Enumerable.Range(0, 5).SelectMany(step => sampler.Batch(step, 2)).ToList();
        var fresh = new EpochSampler(pool, seed: 9);

        Assert.Equal(pool, epoch.Order());
        Assert.Equal(sampler.Batch(7, 2), fresh.Batch(7, 2));
        Assert.NotEqual(new EpochSampler(pool, seed: 10).Batch(0, 10), sampler.Batch(0, 10));
    }

    [Fact]
    public void Seeds_are_stable_functions_of_their_parts()
    {
        Assert.Equal(Seeds.Mix(1, 2, 3), Seeds.Mix(1, 2, 3));
        Assert.NotEqual(Seeds.Mix(1, 2, 3), Seeds.Mix(1, 3, 2));
        Assert.Equal(Seeds.Of("ham"), Seeds.Of("ham"));
        Assert.NotEqual(Seeds.Of("ham"), Seeds.Of("erm"));
    }

    [Fact]
    public void Unknown_method_is_refused_with_the_list_of_methods()
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingKind.For("tie"));
        Assert.Contains("--methods", error.Message);
        Assert.Contains("ham-no-rhm", error.Message);
    }

    [Fact]
    public void Trimming_the_log_drops_only_the_resumed_trainings_later_steps_and_a_torn_line()
    {
        using var folder = new DataTestFolder();
        var files = new RunFiles(folder.Root);
        LogLine Line(string training, int step) => new()
        {
            Target = "t", Seed = 0, Training = training, Step = step, Model = 0, Loss = 1, Accuracy = 0.5,
            ImgPerS = 10,
        };
        files.AppendLog([Line("erm", 1), Line("erm", 2), Line("ham", 1), Line("ham", 2), Line("ham", 3)]);
        File.AppendAllText(files.LogPath, "{\"target\":\"t\",\"se");

        files.TrimLog("t", 0, "ham", 1);

        var lines = File.ReadAllLines(files.LogPath);
        Assert.Equal(3, lines.Length);
        Assert.Contains("\"img_per_s\":10", lines[0]);
        Assert.DoesNotContain(lines, l => l.Contains("\"training\":\"ham\"") && l.Contains("\"step\":2"));
    }

    [Fact]
    public void Result_table_has_a_row_per_method_with_percent_average_and_seed_count()
    {
        ResultLine Result(string method, string target, int seed, double accuracy) => new()
        {
            Method = method, Target = target, Seed = seed, Accuracy = accuracy, ValAccuracy = 0.5,
            Selection = "s", Steps = 1, Seconds = 1,
        };
        var rows = ResultTable.Rows(
            [Result("erm", "a", 0, 0.5), Result("erm", "a", 1, 0.7), Result("erm", "b", 0, 0.9)],
            ["erm", "ham"], ["a", "b"]);

        Assert.Equal(["method", "a", "b", "average", "seeds"], rows[0]);
        Assert.Equal(["erm", "60.0", "90.0", "75.0", "2"], rows[1]);
        Assert.Equal(["ham", "-", "-", "-", "0"], rows[2]);
    }
}
