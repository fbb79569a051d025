using Ham.Model.Checkpoints;
using TorchSharp;
using Xunit;

namespace Ham.Model.Tests.Checkpoints;

/// <summary>Releasing a tensor's mapped pages frees resident memory and loses no data.</summary>
public sealed class MappedPagesTests
{
    // Three tensors of 4 MB (a million float32 each), so that every one spans many pages and their releases
    // show in the mapping's resident size.
    private static Dictionary<string, torch.Tensor> Tensors() => Enumerable.Range(0, 3).ToDictionary(
        i => $"layer{i}.weight", i => torch.randn([1000, 1000], generator: new torch.Generator((ulong)i + 1)));

    [Fact]
    public void Released_tensors_read_back_the_same_values()
    {
        using var directory = new TempDirectory();
        var path = directory.File("release.safetensors");
        var tensors = Tensors();
        Safetensors.Write(path, tensors);

        using var file = SafetensorsFile.Open(path);
        foreach (var entry in file.Entries)
        {
            using var first = file.Read(entry);
            Assert.Equal(OperatingSystem.IsLinux(), file.ReleasePages(entry));
            using var again = file.Read(entry);
            Assert.True(first.bytes.SequenceEqual(again.bytes), $"{entry.Name} differs after its pages were released");
            Assert.True(tensors[entry.Name].bytes.SequenceEqual(again.bytes),
                $"{entry.Name} differs from what was written");
            // The neighbours' shared boundary pages went too; the raw bytes are intact.
            file.ReleasePages(entry);
            Assert.Equal(entry.ByteLength, file.RawBytes(entry).Length);
            Assert.True(first.bytes.SequenceEqual(file.RawBytes(entry)));
        }
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }

    [Fact]
    public void Released_pages_leave_the_resident_set()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var directory = new TempDirectory();
        var path = directory.File("resident.safetensors");
        var tensors = Tensors();
        Safetensors.Write(path, tensors);

        using var file = SafetensorsFile.Open(path);
        foreach (var entry in file.Entries) file.Read(entry).Dispose();
        var touched = ResidentKilobytes(path);
        foreach (var entry in file.Entries) file.ReleasePages(entry);
        var released = ResidentKilobytes(path);

        // 12 MB were read through the mapping; at most the header's page may stay.
        Assert.True(touched >= 11_000, $"{touched} kB resident after reading 12 MB through the map");
        Assert.True(released <= 8, $"{released} kB still resident after releasing every tensor");
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }

    // The "Rss:" of this process's mappings of one file, from /proc/self/smaps (other mappings do not count).
    private static long ResidentKilobytes(string path)
    {
        var total = 0L;
        var inFile = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && fields[0].Contains('-') && !fields[0].EndsWith(':'))
                inFile = fields.Length >= 6 && fields[^1] == path;
            else if (inFile && fields is ["Rss:", var kilobytes, "kB"])
                total += long.Parse(kilobytes);
        }
        return total;
    }
}
