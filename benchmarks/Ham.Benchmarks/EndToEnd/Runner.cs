using System.Globalization;
using Ham.Benchmarks.Cases;
using Ham.Benchmarks.Measure;

namespace Ham.Benchmarks.EndToEnd;

/// <summary>
/// `Ham.Benchmarks e2e [--only a,b] [--no-anchors] [--out FILE]`: runs every case (or those whose names start
/// with one of --only) in its own child process, then the PyTorch anchors, and writes the figures as JSON lines
/// and as markdown tables.
/// </summary>
public static class Runner
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(20);

    /// <summary>The PyTorch anchors: script, arguments, and the case prefix they stand beside.</summary>
    private static readonly (string Script, string[] Arguments, string Beside)[] Anchors =
    [
        ("memcopy.py", [], "memcopy"),
        ("ties_fusion_style.py", [], "merge-memory:ties"),
        ("training.py", ["resnet18"], "resnet18"),
        ("training.py", ["resnet18_2223"], "resnet18"),
        ("training.py", ["vit_b16", "1"], "vit-b16"),
    ];

    public static int Run(string[] arguments)
    {
        var only = Option(arguments, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var anchors = !arguments.Contains("--no-anchors");
        var python = Option(arguments, "--python") ?? "/usr/bin/python3";
        var stamp = DateTime.Now.ToString("yyyy-MM-dd-HHmm", CultureInfo.InvariantCulture);
        var output = Option(arguments, "--out")
                     ?? Path.Combine(Repository.Root, "benchmarks", "results", $"{stamp}.jsonl");
        bool Selected(string name) => only.Length == 0 || only.Any(name.StartsWith);

        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var machine = Machine.Current();
        Console.WriteLine($"machine: {machine}; load {Machine.LoadAverage():F2}");
        var figures = new List<Figure>();
        var failures = new List<string>();

        foreach (var name in CaseCatalog.Names.Where(Selected))
        {
            Console.WriteLine($"case {name} (load {Machine.LoadAverage():F2})");
            var (fileName, childArguments) = ChildProcess.Self(["case", name]);
            Collect(name, ChildProcess.Run(fileName, childArguments, CaseTimeout), figures, failures, output);
        }

        foreach (var method in MergeCases.Methods.Keys.Where(m => Selected($"ham-merge:{m}")))
        {
            Console.WriteLine($"ham merge --method {method} (load {Machine.LoadAverage():F2})");
            try
            {
                var cli = HamMergeCli.Run(method, CaseTimeout);
                figures.AddRange(cli);
                File.AppendAllLines(output, cli.Select(f => f.ToJson()));
            }
            catch (Exception e) when (e is InvalidOperationException or FileNotFoundException)
            {
                failures.Add(e.Message);
            }
        }

        if (anchors)
        {
            foreach (var (script, scriptArguments, beside) in Anchors.Where(a => Selected(a.Beside)))
            {
                Console.WriteLine($"anchor {script} {string.Join(' ', scriptArguments)} " +
                                  $"(load {Machine.LoadAverage():F2})");
                var path = Path.Combine(Repository.AnchorsFolder, script);
                Collect(script, ChildProcess.Run(python, [path, .. scriptArguments], CaseTimeout), figures,
                    failures, output);
            }
        }

        Console.WriteLine();
        Console.WriteLine(Tables.Markdown(figures, machine));
        Console.WriteLine($"figures appended to {output}");
        foreach (var failure in failures) Console.Error.WriteLine($"failed: {failure}");
        return failures.Count == 0 ? 0 : 1;
    }

    // Figures are appended to the file as each case ends, so that an interrupted run keeps what it measured.
    private static void Collect(string name, ChildProcess.Result result, List<Figure> figures, List<string> failures,
        string output)
    {
        figures.AddRange(result.Figures);
        File.AppendAllLines(output, result.Figures.Select(f => f.ToJson()));
        if (result.ExitCode != 0)
            failures.Add($"{name} exited with {result.ExitCode}: {result.ErrorTail}");
    }

    private static string? Option(string[] arguments, string name)
    {
        var index = Array.IndexOf(arguments, name);
        return index >= 0 && index + 1 < arguments.Length ? arguments[index + 1] : null;
    }
}
