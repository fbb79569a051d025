using Ham.Cli.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>
/// Every image of a data set decoded once at the training resolution and held in memory as uint8 [N, 3, S, S]
/// (index = item index of the data set), with the labels; batches are gathered from it and moved to the device.
/// </summary>
public sealed class ImageStore : IDisposable
{
    private readonly Tensor pixels;
    private readonly long[] labels;

    public ImageStore(DomainDataset data, Tensor pixels, Device device)
    {
        if (pixels.shape[0] != data.Items.Count)
            throw new ArgumentException($"{pixels.shape[0]} cached images for {data.Items.Count} items");
        Data = data;
        this.pixels = pixels;
        Device = device;
        labels = data.Items.Select(item => (long)item.Label).ToArray();
    }

    public DomainDataset Data { get; }

    public Device Device { get; }

    /// <summary>Side of the cached images.</summary>
    public long Resolution => pixels.shape[2];

    /// <summary>uint8 [B, 3, S, S] on the device.</summary>
    public Tensor Pixels(IReadOnlyList<int> indices)
    {
        using var index = tensor(indices.Select(i => (long)i).ToArray(), ScalarType.Int64);
        using var gathered = pixels.index_select(0, index);
        return gathered.to(Device);
    }

    /// <summary>int64 [B] on the device.</summary>
    public Tensor Labels(IReadOnlyList<int> indices) =>
        tensor(indices.Select(i => labels[i]).ToArray(), ScalarType.Int64).to(Device);

    public long Label(int index) => labels[index];

    public void Dispose() => pixels.Dispose();
}
