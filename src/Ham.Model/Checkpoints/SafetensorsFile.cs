using System.IO.MemoryMappedFiles;
using TorchSharp;

namespace Ham.Model.Checkpoints;

/// <summary>
/// A safetensors file opened for reading: the header is validated against the file size on open, the data stays
/// memory-mapped, and each <see cref="Read"/> materializes one tensor, so that a merge can stream tensor by tensor.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile map;
    private readonly MemoryMappedViewAccessor view;
    private readonly byte* data;
    private readonly Dictionary<string, SafetensorsEntry> byName;
    private bool disposed;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* start,
        SafetensorsHeader header)
    {
        Path = path;
        this.map = map;
        this.view = view;
        data = start + header.DataStart;
        Header = header;
        byName = header.Entries.ToDictionary(entry => entry.Name, StringComparer.Ordinal);
    }

    /// <summary>The path the file was opened from.</summary>
    public string Path { get; }

    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>The "__metadata__" map; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>The tensors in file order (by position in the data section).</summary>
    public IReadOnlyList<SafetensorsEntry> Entries => Header.Entries;

    /// <summary>The tensor names in file order.</summary>
    public IEnumerable<string> Names => Header.Entries.Select(entry => entry.Name);

    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>The header entry of a tensor; KeyNotFoundException naming the file and the tensor if absent.</summary>
    public SafetensorsEntry this[string name] => byName.TryGetValue(name, out var entry)
        ? entry
        : throw new KeyNotFoundException($"{Path}: no tensor '{name}' (the file has {byName.Count} tensors)");

    /// <summary>Opens and validates a safetensors file; InvalidDataException naming the file for bad content.</summary>
    public static SafetensorsFile Open(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        var fileSize = info.Length;
        if (fileSize < 8)
            throw SafetensorsHeader.Bad(path, $"file is {fileSize} bytes, shorter than the 8-byte header length");

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            acquired = true;
            start += view.PointerOffset;

            var headerLength = SafetensorsHeader.ReadHeaderLength(new ReadOnlySpan<byte>(start, 8), fileSize, path);
            var json = new ReadOnlySpan<byte>(start + 8, (int)headerLength).ToArray();
            var header = SafetensorsHeader.Parse(json, fileSize - 8 - headerLength, path);
            return new SafetensorsFile(path, map, view, start, header);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Materializes one tensor as a new tensor the caller owns, converted to <paramref name="dtype"/> (for
    /// instance F16 upcast to float32) and moved to <paramref name="device"/> when given.
    /// </summary>
    public torch.Tensor Read(string name, torch.ScalarType? dtype = null, torch.Device? device = null) =>
        Read(this[name], dtype, device);

    /// <summary>Materializes the tensor of one of this file's entries.</summary>
    public torch.Tensor Read(SafetensorsEntry entry, torch.ScalarType? dtype = null, torch.Device? device = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var tensor = torch.empty(entry.Shape, entry.DType.ToScalarType(), torch.CPU);
        var length = entry.ByteLength;
        if (length > 0) TensorBytes.CopyInto(tensor, data + entry.Begin, length);

        if (dtype is { } type && type != tensor.dtype) tensor = Replace(tensor, tensor.to_type(type));
        if (device is not null && device.type != DeviceType.CPU) tensor = Replace(tensor, tensor.to(device));
        return tensor;
    }

    /// <summary>The raw bytes of one tensor, straight from the map (valid until this file is disposed).</summary>
    public ReadOnlySpan<byte> RawBytes(SafetensorsEntry entry)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (entry.ByteLength > int.MaxValue)
            throw new ArgumentException($"{Path}: tensor '{entry.Name}' is {entry.ByteLength} bytes, too large " +
                                        "for a span", nameof(entry));
        return new ReadOnlySpan<byte>(data + entry.Begin, (int)entry.ByteLength);
    }

    /// <summary>
    /// Tells the OS that the mapped pages of one tensor are not needed for now, once its bytes have been read:
    /// they leave the process's resident memory (on Linux; elsewhere nothing happens). The data stay readable:
    /// a later <see cref="Read(SafetensorsEntry, torch.ScalarType?, torch.Device?)"/> or <see cref="RawBytes"/>
    /// faults them back from the page cache or the file. Pages shared with the neighbouring tensors go too.
    /// Returns whether the OS took the advice.
    /// </summary>
    public bool ReleasePages(SafetensorsEntry entry)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return MappedPages.Release(data + entry.Begin, entry.ByteLength);
    }

    /// <summary>The same for the tensor of that name.</summary>
    public bool ReleasePages(string name) => ReleasePages(this[name]);

    private static torch.Tensor Replace(torch.Tensor old, torch.Tensor replacement)
    {
        if (!ReferenceEquals(old, replacement)) old.Dispose();
        return replacement;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        map.Dispose();
    }
}
