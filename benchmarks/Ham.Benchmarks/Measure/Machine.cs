namespace Ham.Benchmarks.Measure;

/// <summary>The machine a figure was measured on, and how loaded it was.</summary>
/// <param name="Cores">Logical cores (nproc).</param>
/// <param name="Cpu">"model name" from /proc/cpuinfo.</param>
/// <param name="MemoryBytes">MemTotal from /proc/meminfo.</param>
public sealed record Machine(int Cores, string Cpu, long MemoryBytes)
{
    public static Machine Current()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";
        var memory = File.Exists("/proc/meminfo") ? ProcessMemory.StatusField("MemTotal", "/proc/meminfo") : 0;
        return new Machine(Environment.ProcessorCount, cpu, memory);
    }

    /// <summary>The 1-minute load average from /proc/loadavg (NaN where absent).</summary>
    public static double LoadAverage()
    {
        if (!File.Exists("/proc/loadavg")) return double.NaN;
        var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        return double.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
    }

    public override string ToString() =>
        $"{Cores} cores, {Cpu}, {MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB";
}
