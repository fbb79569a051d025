using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Ham.Benchmarks.Kernels;

/// <summary>
/// The kernels' BenchmarkDotNet configuration: a short run, in process (no generated project is built, so nothing
/// is written next to the sources), and a rate column from each benchmark's <see cref="PerOperationAttribute"/>.
/// </summary>
public sealed class KernelConfig : ManualConfig
{
    public KernelConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        AddColumn(new RateColumn());
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}

/// <summary>How much one invocation processes, for the rate column: (amount, unit), e.g. (9.4e-3, "GB").</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PerOperationAttribute(double amount, string unit) : Attribute
{
    public double Amount { get; } = amount;

    public string Unit { get; } = unit;
}

/// <summary>amount / mean time, as "1.83 GB/s" or "412 texts/s".</summary>
public sealed class RateColumn : IColumn
{
    public string Id => nameof(RateColumn);

    public string ColumnName => "Rate";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Work per second: the method's PerOperation amount divided by the mean time";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var attribute = benchmarkCase.Descriptor.WorkloadMethod
            .GetCustomAttributes(typeof(PerOperationAttribute), false).OfType<PerOperationAttribute>()
            .FirstOrDefault();
        var report = summary[benchmarkCase];
        if (attribute is null || report?.ResultStatistics is not { } statistics) return "–";
        var seconds = statistics.Mean / 1e9;
        return $"{attribute.Amount / seconds:G4} {attribute.Unit}/s";
    }
}
