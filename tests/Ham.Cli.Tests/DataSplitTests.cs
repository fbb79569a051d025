using Ham.Cli.Data;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class DataSplitTests
{
    // Two domains × two classes (cat = 1, dog = 2) × three images.
    private static DomainDataset TwoDomains(DataTestFolder folder)
    {
        foreach (var domain in new[] { "art", "photo" })
            foreach (var cls in new[] { "cat", "dog" })
                for (var i = 0; i < 3; i++) folder.File($"images/{domain}/{cls}/{i}.jpg");
        return DomainBedFolder.Scan(folder.Path("images"));
    }

    private static void WriteList(DataTestFolder folder, string name, params string[] lines) =>
        File.WriteAllLines(folder.Path("splits", name), lines);

    private static void WriteGoodLists(DataTestFolder folder)
    {
        Directory.CreateDirectory(folder.Path("splits"));
        foreach (var d in new[] { "art", "photo" })
        {
            WriteList(folder, $"{d}_train_kfold.txt", $"{d}/cat/0.jpg 1", $"{d}/cat/1.jpg 1", $"{d}/dog/0.jpg 2",
                $"{d}/dog/1.jpg 2");
            WriteList(folder, $"{d}_crossval_kfold.txt", $"{d}/cat/2.jpg 1", "", $"{d}/dog/2.jpg 2");
            WriteList(folder, $"{d}_test_kfold.txt", Enumerable.Range(0, 6)
                .Select(i => $"{d}/{(i < 3 ? "cat" : "dog")}/{i % 3}.jpg {(i < 3 ? 1 : 2)}").ToArray());
        }
    }

    [Fact]
    public void Official_lists_give_train_validation_and_test_indices()
    {
        using var folder = new DataTestFolder();
        var data = TwoDomains(folder);
        WriteGoodLists(folder);

        var splits = SplitLists.Load(folder.Path("splits"), data);

        var photo = data.DomainIndex("photo");
        Assert.Equal(["photo/cat/0.jpg", "photo/cat/1.jpg", "photo/dog/0.jpg", "photo/dog/1.jpg"],
            splits.Train(photo).Select(i => data.Items[i].RelativePath));
        Assert.Equal(["photo/cat/2.jpg", "photo/dog/2.jpg"],
            splits.Validation(photo).Select(i => data.Items[i].RelativePath));
        Assert.Equal(data.IndicesOfDomain(photo), splits.Test(photo));
    }

    [Fact]
    public void Every_bad_line_is_reported_with_file_and_line()
    {
        using var folder = new DataTestFolder();
        var data = TwoDomains(folder);
        WriteGoodLists(folder);
        WriteList(folder, "art_train_kfold.txt",
            "art/cat/0.jpg 1",
            "art/cat/9.jpg 1",          // 2: no such file
            "art/cat/1.jpg 3",          // 3: label out of range
            "art/dog/0.jpg 1",          // 4: label disagrees with the folder
            "art/cat/0.jpg 1",          // 5: duplicate of line 1
            "photo/cat/0.jpg 1",        // 6: another domain's file
            "art/dog/1.jpg",            // 7: no label
            "art/cat/2.jpg 1");         // 8: also in crossval (line 1)

        var error = Assert.Throws<InvalidDataException>(() => SplitLists.Load(folder.Path("splits"), data));

        var file = folder.Path("splits", "art_train_kfold.txt");
        var crossval = folder.Path("splits", "art_crossval_kfold.txt");
        Assert.Contains("7 bad split line(s)", error.Message);
        Assert.Contains($"{file}:2: art/cat/9.jpg is not an image of the data set", error.Message);
        Assert.Contains($"{file}:3: label 3 is out of range 1..2", error.Message);
        Assert.Contains($"{file}:4: label 1 (cat) disagrees with the folder of art/dog/0.jpg", error.Message);
        Assert.Contains($"{file}:5: art/cat/0.jpg is listed twice (first at line 1)", error.Message);
        Assert.Contains($"{file}:6: photo/cat/0.jpg belongs to domain photo", error.Message);
        Assert.Contains($"{file}:7: expected '<domain>/<class>/<file> <label>'", error.Message);
        Assert.Contains($"{crossval}:1: art/cat/2.jpg is also in the train list ({file}:8)", error.Message);
    }

    [Fact]
    public void A_missing_train_list_is_reported()
    {
        using var folder = new DataTestFolder();
        var data = TwoDomains(folder);
        WriteGoodLists(folder);
        File.Delete(folder.Path("splits", "photo_train_kfold.txt"));

        var error = Assert.Throws<InvalidDataException>(() => SplitLists.Load(folder.Path("splits"), data));

        Assert.Contains("photo_train_kfold.txt: missing", error.Message);
    }

    [Fact]
    public void Random_split_holds_out_a_fifth_per_domain_deterministically()
    {
        using var folder = new DataTestFolder();
        for (var i = 0; i < 10; i++) folder.File($"a/c/{i}.png");
        for (var i = 0; i < 7; i++) folder.File($"b/c/{i}.png");
        var data = DomainBedFolder.Scan(folder.Root);

        var first = SplitLists.Random(data, seed: 3);
        var again = SplitLists.Random(data, seed: 3);
        var other = SplitLists.Random(data, seed: 4);

        Assert.Equal(2, first.Validation(0).Count);
        Assert.Equal(8, first.Train(0).Count);
        Assert.Single(first.Validation(1));
        Assert.Empty(first.Train(0).Intersect(first.Validation(0)));
        Assert.Equal(data.IndicesOfDomain(1), first.Train(1).Concat(first.Validation(1)).Order());
        Assert.Equal(data.IndicesOfDomain(0), first.Test(0));
        Assert.Equal(first.Validation(0), again.Validation(0));
        Assert.NotEqual(first.Validation(0).Concat(first.Validation(1)),
            other.Validation(0).Concat(other.Validation(1)));
    }
}
