using System.Diagnostics;
using Ham.Benchmarks.Measure;

namespace Ham.Benchmarks.EndToEnd;

/// <summary>Runs one case in a fresh process and collects the figures it prints.</summary>
public static class ChildProcess
{
    /// <summary>The result of one child: its figures, exit code, and the last lines it wrote to stderr.</summary>
    /// <param name="Figures">The RESULT lines, parsed.</param>
    /// <param name="ExitCode">The process exit status (-1 when it was killed for running too long).</param>
    /// <param name="MaxResidentBytes">Peak resident set from /usr/bin/time, when the child ran under it.</param>
    /// <param name="ErrorTail">The child's last stderr lines, for the report when it failed.</param>
    public sealed record Result(List<Figure> Figures, int ExitCode, long? MaxResidentBytes, string ErrorTail);

    /// <summary>This program again (through `dotnet` when it was started as a dll), with the given arguments.</summary>
    public static (string FileName, List<string> Arguments) Self(IEnumerable<string> arguments)
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var prefix = Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? new List<string> { typeof(ChildProcess).Assembly.Location }
            : [];
        return (process, [.. prefix, .. arguments]);
    }

    /// <summary>
    /// Runs <paramref name="fileName"/> and echoes its output; with <paramref name="measureRss"/> it runs under
    /// /usr/bin/time, whose "maximum resident set size" comes from wait4 and so covers the whole process.
    /// </summary>
    public static Result Run(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout,
        bool measureRss = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        const string rssMarker = "HAM_BENCH_MAXRSS_KB ";
        var info = new ProcessStartInfo
        {
            FileName = measureRss ? "/usr/bin/time" : fileName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        if (measureRss)
        {
            info.ArgumentList.Add("-f");
            info.ArgumentList.Add(rssMarker + "%M");
            info.ArgumentList.Add(fileName);
        }
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;

        var figures = new List<Figure>();
        var errors = new Queue<string>();
        long? maxRss = null;
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (Figure.TryParse(e.Data) is { } figure)
                lock (figures) figures.Add(figure);
            else
                Console.WriteLine("    " + e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (e.Data.StartsWith(rssMarker, StringComparison.Ordinal))
            {
                maxRss = long.Parse(e.Data[rssMarker.Length..].Trim()) * 1024;
                return;
            }
            Console.Error.WriteLine("    " + e.Data);
            lock (errors)
            {
                errors.Enqueue(e.Data);
                if (errors.Count > 20) errors.Dequeue();
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExit(timeout);
        if (!exited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new Result(figures, exited ? process.ExitCode : -1, maxRss, string.Join("\n", errors));
    }
}
