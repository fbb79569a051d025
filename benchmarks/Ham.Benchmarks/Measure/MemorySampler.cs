namespace Ham.Benchmarks.Measure;

/// <summary>
/// Samples /proc/self/status on a background thread and keeps the largest RssAnon (heap, libtorch) and RssFile
/// (mapped file pages, e.g. memory-mapped safetensors) seen, to tell which kind a VmHWM peak is made of.
/// Sampling every few milliseconds can miss a short spike; VmHWM itself never does.
/// </summary>
public sealed class MemorySampler : IDisposable
{
    private readonly Thread thread;
    private readonly TimeSpan interval;
    private volatile bool stopping;

    public MemorySampler(TimeSpan? interval = null)
    {
        this.interval = interval ?? TimeSpan.FromMilliseconds(5);
        thread = new Thread(Sample) { IsBackground = true, Name = "memory sampler" };
        thread.Start();
    }

    /// <summary>Largest RssAnon seen, in bytes.</summary>
    public long PeakAnonymousBytes { get; private set; }

    /// <summary>Largest RssFile seen, in bytes.</summary>
    public long PeakFileBytes { get; private set; }

    private void Sample()
    {
        while (!stopping)
        {
            PeakAnonymousBytes = Math.Max(PeakAnonymousBytes, ProcessMemory.StatusField("RssAnon"));
            PeakFileBytes = Math.Max(PeakFileBytes, ProcessMemory.StatusField("RssFile"));
            Thread.Sleep(interval);
        }
    }

    public void Dispose()
    {
        stopping = true;
        thread.Join();
    }
}
