using System.Diagnostics;
using Ham.Benchmarks.Cases;
using Ham.Benchmarks.Measure;
using Ham.Benchmarks.Synthetic;

namespace Ham.Benchmarks.EndToEnd;

/// <summary>
/// `ham merge` itself, as a user runs it, on the synthetic files: seconds from start to exit (runtime start-up
/// included) and the peak resident set of the whole process from /usr/bin/time (wait4's ru_maxrss).
/// </summary>
public static class HamMergeCli
{
    /// <summary>The ham tool built next to this program (the benchmarks reference src/Ham.Cli).</summary>
    public static string? ToolPath()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "ham");
        return File.Exists(path) ? path : null;
    }

    public static List<Figure> Run(string method, TimeSpan timeout)
    {
        var tool = ToolPath() ?? throw new FileNotFoundException(
            $"ham was not built next to {AppContext.BaseDirectory}", "ham");
        var paths = VitB16ImageTower.WriteFolder(CaseCatalog.ScratchFolder, MergeCases.ModelCount);
        var output = Path.Combine(CaseCatalog.ScratchFolder, $"ham-merge-{method}.safetensors");
        List<string> arguments = ["merge", "--method", method, "--base", paths[0], "--out", output, "--models",
            .. paths.Skip(1)];

        var clock = Stopwatch.StartNew();
        var result = ChildProcess.Run(tool, arguments, timeout, measureRss: true);
        var seconds = clock.Elapsed.TotalSeconds;
        File.Delete(output);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"ham merge --method {method} exited with {result.ExitCode}: " +
                                                result.ErrorTail);

        var peak = result.MaxResidentBytes ?? -1;
        var details = new { seconds, peak_bytes = peak, input_bytes = MergeCases.InputBytes, baseline_bytes = 0 };
        var name = $"{method} `ham merge` (whole process)";
        return
        [
            Figure.Now("merge", name, seconds, "s", details),
            Figure.Now("merge", name + " GB/s", MergeCases.InputBytes / seconds / 1e9, "GB/s", details),
            Figure.Now("merge", name + " peak", peak / 1e9, "GB", details),
        ];
    }
}
