using Ham.Cli.Runs;
using Ham.Cli.Training;
using Xunit;

namespace Ham.Cli.Tests;

/// <summary>`ham dg` on input it cannot run and when interrupted: an error naming the cause, nothing lost.</summary>
public sealed class DgInputTests
{
    [Fact]
    public void A_source_domain_too_small_for_a_validation_split_is_refused_before_the_run_directory_is_written()
    {
        using var folder = new DataTestFolder();
        foreach (var domain in new[] { "photo", "sketch", "tiny" })
        foreach (var label in new[] { "cat", "dog" })
        for (var i = 0; i < (domain == "tiny" ? 1 : 5); i++)
            folder.File($"data/{domain}/{label}/{i}.png");
        var options = TrainingFixtures.Recipe(folder.Path("data"), ["erm"], steps: 2, target: "photo");
        var files = new RunFiles(folder.Path("run"));

        var error = Assert.Throws<InvalidDataException>(() =>
            DgRunner.Run(options, files, new PlainProgress(TimeSpan.FromMinutes(10))));

        Assert.Contains("'tiny' has 2 training and 0 validation images", error.Message);
        Assert.False(File.Exists(files.OptionsPath));
    }

    [Fact]
    public void A_run_directory_holding_a_run_with_other_options_is_refused_and_left_as_it_was()
    {
        using var folder = new DataTestFolder();
        var files = new RunFiles(folder.Path("run"));
        var first = TrainingFixtures.Recipe(folder.Path("data"), ["erm"], steps: 2);
        files.WriteOptions(first);
        var written = File.ReadAllText(files.OptionsPath);

        var error = Assert.Throws<ArgumentException>(() => DgRunner.Run(first with { Steps = 3, Seeds = [0, 1] },
            files, new PlainProgress(TimeSpan.FromMinutes(10))));

        Assert.StartsWith($"{files.Directory} already holds a run with other options (", error.Message);
        Assert.Contains("seeds: [0] there, [0,1] now", error.Message);
        Assert.Contains("steps: 2 there, 3 now", error.Message);
        Assert.Contains($"continue it with: ham dg --resume {files.Directory}", error.Message);
        Assert.Equal(written, File.ReadAllText(files.OptionsPath));
        Assert.False(File.Exists(files.LogPath));
    }

    [Fact]
    public void The_same_options_with_other_threads_or_device_continue_the_run_in_the_directory()
    {
        using var folder = new DataTestFolder();
        var files = new RunFiles(folder.Path("run"));
        var first = TrainingFixtures.Recipe(folder.Path("data"), ["erm"], steps: 2);
        files.RequireSameRecipe(first);
        files.WriteOptions(first);

        files.RequireSameRecipe(first with { Threads = 1, Device = "cuda" });
        Assert.Throws<ArgumentException>(() => files.RequireSameRecipe(first with { Batch = first.Batch + 1 }));
    }

    [Fact]
    public void An_interrupted_run_exits_with_130_and_says_how_to_resume()
    {
        using var folder = new DataTestFolder();
        var data = TrainingFixtures.SyntheticData(folder, imagesPerClass: 5);
        var run = folder.Path("run");
        using var interrupt = new CancellationTokenSource();
        interrupt.Cancel();
        var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        int code;
        try
        {
            code = HamApp.Create().Run(["dg", "--data", data, "--targets", "sketch", "--methods", "erm",
                "--steps", "2", "--resolution", "32", "--out", run], interrupt.Token);
        }
        finally
        {
            Console.SetOut(console);
        }

        Assert.Equal(130, code);
        Assert.Contains($"continue with: ham dg --resume {run}", output.ToString());
        Assert.True(File.Exists(Path.Combine(run, "options.json")));
    }

    [Theory]
    [InlineData("--steps", "abc")]
    [InlineData("--lr", "fast")]
    public void A_value_that_is_not_a_number_is_reported_with_its_option(string option, string value)
    {
        string[] arguments = ["dg", "--data", "data", option, value];
        var error = Assert.ThrowsAny<Exception>(() => HamApp.Create(propagateExceptions: true).Run(arguments));
        Assert.Equal(($"{option}: '{value}' is not a number", 2), Log.Describe(error, arguments));

        string[] joined = ["dg", "--data", "data", $"{option}={value}"];
        error = Assert.ThrowsAny<Exception>(() => HamApp.Create(propagateExceptions: true).Run(joined));
        Assert.Equal(($"{option}: '{value}' is not a number", 2), Log.Describe(error, joined));
    }

    [Fact]
    public void Cancellation_outside_a_run_is_reported_as_an_interrupt_not_a_bug()
    {
        Assert.Equal(("interrupted", 130), Log.Describe(new OperationCanceledException()));
    }

    [Fact]
    public void An_invalid_operation_is_bad_input_when_ham_throws_it_and_a_bug_with_its_trace_otherwise()
    {
        var ours = Assert.Throws<InvalidOperationException>(() => new Model.Specs.TensorShape(3).Transposed());
        int? nothing = null;
        var runtime = Assert.Throws<InvalidOperationException>(() => nothing!.Value);

        Assert.Equal(("cannot transpose shape [3]: it is not a matrix", 1), Log.Describe(ours));
        var (trace, code) = Log.Describe(runtime);
        Assert.Equal(70, code);
        Assert.Contains(nameof(An_invalid_operation_is_bad_input_when_ham_throws_it_and_a_bug_with_its_trace_otherwise),
            trace);
    }
}
