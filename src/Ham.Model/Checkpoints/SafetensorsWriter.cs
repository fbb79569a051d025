using Ham.Model.IO;
using TorchSharp;

namespace Ham.Model.Checkpoints;

/// <summary>
/// Writes a safetensors file in one pass with about one tensor in memory: the layout (name, dtype, shape of every
/// tensor) is declared up front so that the header can be written first, then the tensors are appended one at a
/// time in layout order. A tensor whose dtype differs from its declared one is converted on the way out.
/// </summary>
public sealed class SafetensorsWriter
{
    private readonly Stream stream;
    private readonly string target;
    private int next;

    /// <summary>Writes the header of <paramref name="layout"/> to <paramref name="stream"/>.</summary>
    /// <param name="target">How errors name the file being written.</param>
    public SafetensorsWriter(Stream stream, IReadOnlyList<SafetensorsLayout> layout,
        IReadOnlyDictionary<string, string>? metadata = null, string target = "safetensors output")
    {
        this.stream = stream;
        this.target = target;
        Entries = Assign(layout, target);
        var header = SafetensorsHeader.Serialize(Entries, metadata);
        Span<byte> prefix = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
    }

    /// <summary>The declared tensors with their assigned byte ranges, in write order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The entry the next <see cref="Append"/> writes, or null when all are written.</summary>
    public SafetensorsEntry? Next => next < Entries.Count ? Entries[next] : null;

    /// <summary>
    /// Writes the next declared tensor. The shape must equal the declared one; the tensor is not disposed here.
    /// </summary>
    public void Append(torch.Tensor tensor)
    {
        var entry = Next ?? throw new InvalidOperationException(
            $"{target}: all {Entries.Count} declared tensors are already written");
        if (!tensor.shape.SequenceEqual(entry.Shape))
        {
            var found = string.Join(", ", tensor.shape);
            throw new ArgumentException($"{target}: tensor '{entry.Name}' has shape [{found}], but the layout " +
                                        $"declares {entry.ShapeText}", nameof(tensor));
        }

        using var scope = torch.NewDisposeScope();
        var bytes = tensor;
        var scalarType = entry.DType.ToScalarType();
        if (bytes.dtype != scalarType) bytes = bytes.to_type(scalarType);
        if (bytes.device_type != DeviceType.CPU) bytes = bytes.cpu();
        bytes = bytes.contiguous();

        TensorBytes.WriteTo(bytes, stream);
        next++;
    }

    /// <summary>Checks that every declared tensor was written.</summary>
    public void Complete()
    {
        if (Next is { } missing)
            throw new InvalidOperationException(
                $"{target}: {Entries.Count - next} declared tensors were not written, the first is '{missing.Name}'");
        stream.Flush();
    }

    /// <summary>
    /// Writes a file atomically, asking <paramref name="supply"/> for each tensor in layout order. The writer owns
    /// every supplied tensor and disposes it as soon as its bytes are written, so peak memory is about one tensor.
    /// </summary>
    public static void WriteFile(string path, IReadOnlyList<SafetensorsLayout> layout,
        Func<SafetensorsEntry, torch.Tensor> supply, IReadOnlyDictionary<string, string>? metadata = null)
    {
        AtomicFile.Write(path, stream =>
        {
            var writer = new SafetensorsWriter(stream, layout, metadata, path);
            while (writer.Next is { } entry)
            {
                using var tensor = supply(entry);
                writer.Append(tensor);
            }
            writer.Complete();
        });
    }

    private static SafetensorsEntry[] Assign(IReadOnlyList<SafetensorsLayout> layout, string target)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var entries = new SafetensorsEntry[layout.Count];
        long offset = 0;
        for (var i = 0; i < layout.Count; i++)
        {
            var item = layout[i];
            if (string.IsNullOrEmpty(item.Name) || item.Name == "__metadata__")
                throw new ArgumentException($"{target}: tensor name '{item.Name}' is reserved or empty",
                    nameof(layout));
            if (!names.Add(item.Name))
                throw new ArgumentException($"{target}: tensor '{item.Name}' is declared twice", nameof(layout));
            if (item.Shape.Any(dim => dim < 0))
                throw new ArgumentException($"{target}: tensor '{item.Name}' has a negative dimension in " +
                                            $"[{string.Join(", ", item.Shape)}]", nameof(layout));
            var length = checked(item.Shape.Aggregate(1L, (product, dim) => product * dim) * item.DType.ElementSize());
            entries[i] = new SafetensorsEntry(item.Name, item.DType, item.Shape, offset, offset + length);
            offset += length;
        }
        return entries;
    }
}
