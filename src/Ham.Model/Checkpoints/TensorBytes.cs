using System.Runtime.CompilerServices;
using TorchSharp;

[assembly: InternalsVisibleTo("Ham.Model.Tests")]

namespace Ham.Model.Checkpoints;

/// <summary>
/// Raw byte copies between contiguous CPU tensors and memory, in chunks below 2 GB so that any tensor size works
/// with TorchSharp's span-based <c>bytes</c> accessor.
/// </summary>
internal static unsafe class TensorBytes
{
    public const long ChunkBytes = 1L << 30;

    /// <summary>Fills a fresh contiguous CPU tensor with <paramref name="length"/> bytes from memory.</summary>
    public static void CopyInto(torch.Tensor tensor, byte* source, long length, long chunkBytes = ChunkBytes)
    {
        using var flat = tensor.view(-1);
        var elementSize = length / flat.shape[0];
        var chunkElements = Math.Max(1, chunkBytes / elementSize);
        for (long start = 0; start < flat.shape[0]; start += chunkElements)
        {
            var count = Math.Min(chunkElements, flat.shape[0] - start);
            using var chunk = flat.narrow(0, start, count);
            var bytes = checked((int)(count * elementSize));
            new ReadOnlySpan<byte>(source + start * elementSize, bytes).CopyTo(chunk.bytes);
        }
    }

    /// <summary>The span form of <see cref="CopyInto(torch.Tensor, byte*, long, long)"/>, for tests.</summary>
    public static void CopyInto(torch.Tensor tensor, ReadOnlySpan<byte> source, long chunkBytes)
    {
        fixed (byte* pointer = source) CopyInto(tensor, pointer, source.Length, chunkBytes);
    }

    /// <summary>Writes the bytes of a contiguous CPU tensor to a stream.</summary>
    public static void WriteTo(torch.Tensor tensor, Stream stream, long chunkBytes = ChunkBytes)
    {
        using var flat = tensor.view(-1);
        if (flat.shape[0] == 0) return;
        var chunkElements = Math.Max(1, chunkBytes / tensor.ElementSize);
        for (long start = 0; start < flat.shape[0]; start += chunkElements)
        {
            var count = Math.Min(chunkElements, flat.shape[0] - start);
            using var chunk = flat.narrow(0, start, count);
            stream.Write(chunk.bytes);
        }
    }
}
