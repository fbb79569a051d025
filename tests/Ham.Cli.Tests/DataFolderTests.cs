using Ham.Cli.Data;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class DataFolderTests
{
    [Fact]
    public void Scan_finds_domains_classes_and_items_in_code_point_order()
    {
        using var folder = new DataTestFolder();
        foreach (var domain in new[] { "photo", "art" })
        {
            folder.File($"{domain}/dog/b.jpg");
            folder.File($"{domain}/dog/a.png");
            folder.File($"{domain}/Zebra/z.jpg");
        }

        var data = DomainBedFolder.Scan(folder.Root);

        Assert.Equal(["art", "photo"], data.Domains);
        Assert.Equal(["Zebra", "dog"], data.Classes);
        Assert.Equal(
            ["art/Zebra/z.jpg", "art/dog/a.png", "art/dog/b.jpg",
                "photo/Zebra/z.jpg", "photo/dog/a.png", "photo/dog/b.jpg"],
            data.Items.Select(i => i.RelativePath));
        Assert.Equal([0, 1, 1, 0, 1, 1], data.Items.Select(i => i.Label));
        Assert.Equal([0, 0, 0, 1, 1, 1], data.Items.Select(i => i.Domain));
        Assert.Equal(0, data.SkippedFiles);
    }

    [Fact]
    public void Classes_sort_by_code_point_not_utf16_or_culture()
    {
        // U+FF01 (one UTF-16 unit, 0xFF01) and U+1F600 (surrogates 0xD83D 0xDE00): UTF-16 order puts the emoji
        // first, code point order (Python's sorted) puts it last. "a" < "B" by culture, "B" < "a" by code point.
        string[] names = ["\U0001F600", "\uFF01", "a", "B", "é"];
        using var folder = new DataTestFolder();
        foreach (var name in names) folder.File($"d/{name}/x.png");

        var data = DomainBedFolder.Scan(folder.Root);

        Assert.Equal(["B", "a", "é", "\uFF01", "\U0001F600"], data.Classes);
        Assert.True(string.CompareOrdinal("\U0001F600", "\uFF01") < 0, "UTF-16 order differs, as the test assumes");
    }

    [Fact]
    public void Hidden_and_system_files_are_skipped_and_counted()
    {
        using var folder = new DataTestFolder();
        folder.File("photo/dog/a.jpg");
        folder.File("photo/dog/.DS_Store");
        folder.File("photo/dog/._a.jpg");
        folder.File("photo/dog/Thumbs.db");
        folder.File("photo/dog/notes.txt");
        folder.File("photo/.hidden/a.jpg");
        folder.File("__MACOSX/photo/dog/._a.jpg");
        folder.File(".DS_Store");

        var data = DomainBedFolder.Scan(folder.Root);

        Assert.Equal(["photo"], data.Domains);
        Assert.Equal(["dog"], data.Classes);
        Assert.Equal(["photo/dog/a.jpg"], data.Items.Select(i => i.RelativePath));
        // .DS_Store, ._a.jpg, Thumbs.db, notes.txt in dog; the .hidden folder; __MACOSX and .DS_Store at the root.
        Assert.Equal(7, data.SkippedFiles);
    }

    [Fact]
    public void A_class_missing_from_a_domain_shows_the_domain_by_class_table()
    {
        using var folder = new DataTestFolder();
        folder.File("art/dog/a.jpg");
        folder.File("art/horse/a.jpg");
        folder.File("photo/dog/a.jpg");
        folder.File("photo/dog/b.jpg");
        Directory.CreateDirectory(folder.Path("sketch", "dog"));
        folder.File("sketch/horse/a.jpg");

        var error = Assert.Throws<InvalidDataException>(() => DomainBedFolder.Scan(folder.Root));

        Assert.Contains("photo/horse", error.Message);
        Assert.Contains("sketch/dog", error.Message);
        Assert.DoesNotContain("art/dog,", error.Message);
        Assert.Contains("domain | dog | horse", error.Message);
        Assert.Matches(@"photo\s+\|\s+2 \| missing", error.Message);
        Assert.Matches(@"sketch\s+\|\s+empty \|\s+1", error.Message);
    }

    [Fact]
    public void A_missing_folder_names_the_path()
    {
        using var folder = new DataTestFolder();
        var missing = folder.Path("nowhere");
        var error = Assert.Throws<DirectoryNotFoundException>(() => DomainBedFolder.Scan(missing));
        Assert.Contains(missing, error.Message);
    }
}
