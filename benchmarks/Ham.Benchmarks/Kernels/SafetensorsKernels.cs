using BenchmarkDotNet.Attributes;
using Ham.Benchmarks.Cases;
using Ham.Benchmarks.Synthetic;
using Ham.Model.Checkpoints;

namespace Ham.Benchmarks.Kernels;

/// <summary>Reading tensors out of a memory-mapped safetensors file (page cache warm).</summary>
[Config(typeof(KernelConfig))]
public class SafetensorsKernels
{
    private const double TensorGigabytes = 3072 * 768 * 4 / 1e9;
    private SafetensorsFile file = null!;
    private SafetensorsEntry largest = null!;

    [GlobalSetup]
    public void Setup()
    {
        var path = VitB16ImageTower.WriteFolder(CaseCatalog.ScratchFolder, MergeCases.ModelCount)[0];
        file = SafetensorsFile.Open(path);
        largest = file["visual.transformer.resblocks.0.mlp.c_fc.weight"];
    }

    [GlobalCleanup]
    public void Cleanup() => file.Dispose();

    [Benchmark, PerOperation(TensorGigabytes, "GB")]
    public void Read_one_9_MB_tensor() => file.Read(largest).Dispose();

    [Benchmark, PerOperation(VitB16ImageTower.ParameterCountConstant * 4 / 1e9, "GB")]
    public void Read_whole_file()
    {
        foreach (var entry in file.Entries) file.Read(entry).Dispose();
    }
}
