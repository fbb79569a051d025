using Ham.Cli.Data;
using Ham.Testing;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class DataPacsTests
{
    [SharedFact]
    public void Pacs_scans_to_four_domains_seven_classes_and_its_official_lists_are_clean()
    {
        var data = DomainBedFolder.Scan(SharedData.Path("data", "pacs", "images"));

        var splits = SplitLists.Load(SharedData.Path("data", "pacs", "splits"), data);

        Assert.Equal(["art_painting", "cartoon", "photo", "sketch"], data.Domains);
        Assert.Equal(["dog", "elephant", "giraffe", "guitar", "horse", "house", "person"], data.Classes);
        Assert.Equal(9_991, data.Items.Count);
        Assert.Equal([2_048, 2_344, 1_670, 3_929], Enumerable.Range(0, 4).Select(d => splits.Test(d).Count));
        for (var d = 0; d < 4; d++)
        {
            Assert.Equal(splits.Test(d).Count, splits.Train(d).Count + splits.Validation(d).Count);
            Assert.Empty(splits.Train(d).Intersect(splits.Validation(d)));
        }
    }
}
