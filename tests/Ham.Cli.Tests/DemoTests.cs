using Ham.Cli.Commands;
using Ham.Cli.Training;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class DemoTests
{
    [Fact]
    public void Demo_uses_images_and_official_lists_of_a_pacs_style_folder()
    {
        using var folder = new DataTestFolder();
        Directory.CreateDirectory(folder.Path("pacs", "images"));
        Directory.CreateDirectory(folder.Path("pacs", "splits"));

        var (data, splits, description) = DemoCommand.FindData(folder.Path("pacs"));

        Assert.Equal(folder.Path("pacs", "images"), data);
        Assert.Equal(folder.Path("pacs", "splits"), splits);
        Assert.Contains("official split lists", description);
    }

    [Fact]
    public void Demo_refuses_a_missing_data_folder_naming_it()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => DemoCommand.FindData("/no/such/ham/data"));
        Assert.Contains("/no/such/ham/data", error.Message);
    }

    [Fact]
    public void Demo_recipe_is_a_valid_reduced_job_with_every_method_and_one_target()
    {
        var recipe = DemoCommand.Recipe("/data", null, generated: false);

        DgRunner.Validate(recipe);
        Assert.Single(recipe.Targets);
        Assert.Equal(TrainingKind.Methods.Select(m => m.Method), recipe.Methods);
        Assert.True(recipe.Steps < new DgOptions { Data = "", Targets = [], Seeds = [], Methods = [] }.Steps);
    }
}
