using Ham.Cli.Data;
using Xunit;

namespace Ham.Cli.Tests;

/// <summary>Folders that are not a data set: refused with the path, never an empty data set with no classes.</summary>
public sealed class BreakerDataTests
{
    [Fact]
    public void Domain_folders_without_any_class_folder_are_refused()
    {
        using var folder = new DataTestFolder();
        folder.File("photo/readme.txt");
        Directory.CreateDirectory(folder.Path("sketch"));

        var error = Assert.Throws<InvalidDataException>(() => DomainBedFolder.Scan(folder.Root));

        Assert.Contains(folder.Root, error.Message);
        Assert.Contains("no class folders", error.Message);
    }
}
