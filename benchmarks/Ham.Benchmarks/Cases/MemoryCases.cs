using System.Diagnostics;
using System.Runtime.InteropServices;
using Ham.Benchmarks.Measure;
using TorchSharp;

namespace Ham.Benchmarks.Cases;

/// <summary>The physical limit: how fast this machine copies memory.</summary>
public static unsafe class MemoryCases
{
    private const long Bytes = 1L << 30;

    /// <summary>Best of 5 copies of 1 GiB: one thread (Buffer.MemoryCopy), all threads, and torch's copy_.</summary>
    public static IEnumerable<Figure> Copy()
    {
        var figures = new List<Figure>();
        var source = (byte*)NativeMemory.Alloc((nuint)Bytes);
        var target = (byte*)NativeMemory.Alloc((nuint)Bytes);
        try
        {
            NativeMemory.Fill(source, (nuint)Bytes, 1);
            NativeMemory.Fill(target, (nuint)Bytes, 2);
            var single = Best(() => Buffer.MemoryCopy(source, target, Bytes, Bytes));
            var threads = Environment.ProcessorCount;
            var chunk = Bytes / threads;
            var parallel = Best(() => Parallel.For(0, threads, i =>
                Buffer.MemoryCopy(source + i * chunk, target + i * chunk, chunk, chunk)));
            figures.Add(Figure.Now("memory", "copy 1 GiB, 1 thread (Buffer.MemoryCopy)", Bytes / single / 1e9,
                "GB/s", new { seconds = single }));
            figures.Add(Figure.Now("memory", $"copy 1 GiB, {threads} threads (Buffer.MemoryCopy)",
                Bytes / parallel / 1e9, "GB/s", new { seconds = parallel, threads }));
        }
        finally
        {
            NativeMemory.Free(source);
            NativeMemory.Free(target);
        }

        using var from = torch.ones(Bytes / sizeof(float));
        using var to = torch.zeros(Bytes / sizeof(float));
        var torchCopy = Best(() => to.copy_(from));
        figures.Add(Figure.Now("memory", "copy 1 GiB (TorchSharp copy_)", Bytes / torchCopy / 1e9, "GB/s",
            new { seconds = torchCopy, threads = torch.get_num_threads() }));
        return figures;
    }

    private static double Best(Action copy)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            copy();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
