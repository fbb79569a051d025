using BenchmarkDotNet.Running;
using Ham.Benchmarks.Cases;
using Ham.Benchmarks.EndToEnd;

// e2e: whole-process figures, one child process per case; case NAME: one case (what e2e starts);
// kernels [BenchmarkDotNet arguments]: the BenchmarkDotNet kernels.
switch (args)
{
    case ["e2e", .. var rest]:
        return Runner.Run(rest);
    case ["case", var name]:
        foreach (var figure in CaseCatalog.Run(name)) Console.WriteLine(figure.ToLine());
        return 0;
    case ["kernels", .. var rest]:
        BenchmarkSwitcher.FromAssembly(typeof(CaseCatalog).Assembly).Run(rest);
        return 0;
    default:
        Console.Error.WriteLine("usage: Ham.Benchmarks e2e [--only PREFIX,...] [--no-anchors] [--python PATH] " +
                                "[--out FILE.jsonl]");
        Console.Error.WriteLine("       Ham.Benchmarks case NAME    (" + string.Join(", ", CaseCatalog.Names) + ")");
        Console.Error.WriteLine("       Ham.Benchmarks kernels [BenchmarkDotNet options, e.g. --filter '*Ties*']");
        return 2;
}
