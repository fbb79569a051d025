namespace Ham.Benchmarks.Measure;

/// <summary>
/// Whole-process memory from /proc/self/status: native (libtorch) allocations included, which BenchmarkDotNet's
/// managed allocation counts do not see.
/// </summary>
public static class ProcessMemory
{
    /// <summary>VmHWM: the peak resident set since the start (or since <see cref="ResetPeak"/>), in bytes.</summary>
    public static long PeakResidentBytes() => StatusField("VmHWM");

    /// <summary>VmRSS: the resident set now, in bytes.</summary>
    public static long ResidentBytes() => StatusField("VmRSS");

    /// <summary>
    /// Resets VmHWM to the current resident set (writing 5 to /proc/self/clear_refs, Linux 4.0 and later), so
    /// that a peak can be read for one phase; false where the kernel refuses.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A field of /proc/&lt;pid&gt;/status in bytes ("VmHWM:   123 kB").</summary>
    public static long StatusField(string name, string status = "/proc/self/status")
    {
        foreach (var line in File.ReadLines(status))
        {
            if (!line.StartsWith(name + ":", StringComparison.Ordinal)) continue;
            var parts = line[(name.Length + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || parts[1] != "kB" || !long.TryParse(parts[0], out var kilobytes))
                throw new InvalidDataException($"{status}: line '{line}' is not '{name}: <n> kB'");
            return kilobytes * 1024;
        }
        throw new InvalidDataException($"{status}: no '{name}:' line (expected on Linux)");
    }
}
