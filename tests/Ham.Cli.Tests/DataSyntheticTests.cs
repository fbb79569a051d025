using System.Security.Cryptography;
using Ham.Cli.Data;
using Ham.Model.Imaging;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class DataSyntheticTests
{
    private static readonly SyntheticOptions Small = new(ImagesPerClass: 3, Size: 32);

    private static string Fingerprint(string root) =>
        Convert.ToHexString(SHA256.HashData(Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .SelectMany(f => System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(root, f))
                .Concat(File.ReadAllBytes(f)))
            .ToArray()));

    [Fact]
    public void Writes_domainbed_layout_with_every_domain_and_class()
    {
        using var folder = new DataTestFolder();

        var root = SyntheticDomains.Write(folder.Path("synthetic"), seed: 1, Small);
        var data = DomainBedFolder.Scan(root);

        Assert.Equal(SyntheticDomains.Domains, data.Domains);
        Assert.Equal(SyntheticDomains.Classes, data.Classes);
        Assert.Equal(4 * 6 * 3, data.Items.Count);
        Assert.Equal(1, data.SkippedFiles);   // synthetic.json
        using var image = ImageDecoder.Decode(data.FullPath(data.Items[0]));
        Assert.Equal((32, 32), (image.Width, image.Height));
    }

    [Fact]
    public void Same_seed_gives_the_same_bytes_and_another_seed_does_not()
    {
        using var folder = new DataTestFolder();

        var first = Fingerprint(SyntheticDomains.Write(folder.Path("a"), seed: 5, Small));
        var again = Fingerprint(SyntheticDomains.Write(folder.Path("b"), seed: 5, Small));
        var other = Fingerprint(SyntheticDomains.Write(folder.Path("c"), seed: 6, Small));

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void An_existing_identical_set_is_reused_and_a_foreign_folder_refused()
    {
        using var folder = new DataTestFolder();
        var root = SyntheticDomains.Write(folder.Path("s"), seed: 2, Small);

        Assert.Equal(root, SyntheticDomains.Write(root, seed: 2, Small));
        Assert.Throws<IOException>(() => SyntheticDomains.Write(root, seed: 3, Small));
    }
}
