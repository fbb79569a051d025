namespace Ham.Model.Checkpoints;

/// <summary>
/// One tensor of a safetensors file as its header declares it; <see cref="Begin"/> and <see cref="End"/> are byte
/// offsets into the data section (which starts right after the header).
/// </summary>
public sealed record SafetensorsEntry(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Bytes of data, End - Begin.</summary>
    public long ByteLength => End - Begin;

    /// <summary>Product of the shape (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, dim) => product * dim);

    /// <summary>The shape as "[2, 3]".</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}

/// <summary>A tensor declared to a <see cref="SafetensorsWriter"/> before any data is written.</summary>
public sealed record SafetensorsLayout(string Name, SafetensorsDType DType, long[] Shape)
{
    /// <summary>The layout of an existing tensor: its name, dtype and shape.</summary>
    public static SafetensorsLayout Of(string name, TorchSharp.torch.Tensor tensor) =>
        new(name, SafetensorsDTypes.FromScalarType(tensor.dtype), tensor.shape);
}
