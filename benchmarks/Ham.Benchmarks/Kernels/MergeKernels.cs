using BenchmarkDotNet.Attributes;
using Ham.Algorithms;
using TorchSharp;

namespace Ham.Benchmarks.Kernels;

/// <summary>
/// The merge steps on one ViT-B/16 MLP weight (c_fc, [3072, 768] = 2.36 M float32) for K = 3 models: each
/// step alone, then whole-tensor merges with Merge.Tensor. Rates count input bytes (θ0 and the K models).
/// </summary>
[Config(typeof(KernelConfig))]
public class MergeKernels
{
    private const long Rows = 3072, Columns = 768, K = 3;
    private const double InputGigabytes = (K + 1) * Rows * Columns * 4 / 1e9;
    private const double TaskVectorGigabytes = K * Rows * Columns * 4 / 1e9;

    private torch.Tensor pretrained = null!;
    private torch.Tensor[] models = null!;
    private torch.Tensor[] taskVectors = null!;
    private torch.Tensor[] trimmed = null!;
    private torch.Tensor sign = null!;
    private readonly double[] ones = [1, 1, 1];

    [GlobalSetup]
    public void Setup()
    {
        using var generator = new torch.Generator(0);
        pretrained = torch.randn([Rows, Columns], generator: generator).mul_(0.02);
        models = Enumerable.Range(0, (int)K)
            .Select(_ => torch.randn([Rows, Columns], generator: generator).mul_(0.001).add_(pretrained))
            .ToArray();
        taskVectors = models.Select(m => MergeSteps.TaskVector(m, pretrained, torch.ScalarType.Float32)).ToArray();
        trimmed = taskVectors.Select(t =>
        {
            var copy = t.clone();
            MergeSteps.TrimToDensity_(copy, 0.2);
            return copy;
        }).ToArray();
        sign = MergeSteps.ElectSign(trimmed, ones);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var tensor in models.Concat(taskVectors).Concat(trimmed).Append(pretrained).Append(sign))
            tensor.Dispose();
    }

    [Benchmark, PerOperation(TaskVectorGigabytes, "GB")]
    public void Clone_task_vectors()
    {
        foreach (var taskVector in taskVectors) taskVector.clone().Dispose();
    }

    [Benchmark, PerOperation(InputGigabytes, "GB")]
    public void TaskVector()
    {
        foreach (var model in models) MergeSteps.TaskVector(model, pretrained, torch.ScalarType.Float32).Dispose();
    }

    [Benchmark, PerOperation(TaskVectorGigabytes, "GB")]
    public void TrimToDensity_clone_included()
    {
        foreach (var taskVector in taskVectors)
        {
            using var copy = taskVector.clone();
            MergeSteps.TrimToDensity_(copy, 0.2);
        }
    }

    [Benchmark, PerOperation(TaskVectorGigabytes, "GB")]
    public void Kthvalue_alone()
    {
        foreach (var taskVector in taskVectors)
        {
            using var magnitude = taskVector.abs();
            var (value, index) = magnitude.view(-1).kthvalue(Rows * Columns * 8 / 10, 0, false);
            value.Dispose();
            index.Dispose();
        }
    }

    [Benchmark, PerOperation(TaskVectorGigabytes, "GB")]
    public void DropAndRescale_clone_included()
    {
        for (var k = 0; k < K; k++)
        {
            using var copy = taskVectors[k].clone();
            MergeSteps.DropAndRescale_(copy, 0.9, k);
        }
    }

    [Benchmark, PerOperation(TaskVectorGigabytes, "GB")]
    public void ElectSign() => MergeSteps.ElectSign(trimmed, ones).Dispose();

    [Benchmark, PerOperation(TaskVectorGigabytes, "GB")]
    public void DisjointMean() => MergeSteps.DisjointMean(trimmed, ones, sign).Dispose();

    [Benchmark, PerOperation(InputGigabytes, "GB")]
    public void Merge_tensor_task_arithmetic() => MergeTensor(new TaskArithmetic(0.3));

    [Benchmark, PerOperation(InputGigabytes, "GB")]
    public void Merge_tensor_ties() => MergeTensor(new Ties(0.2));

    [Benchmark, PerOperation(InputGigabytes, "GB")]
    public void Merge_tensor_dare() => MergeTensor(new Dare(0.9));

    private void MergeTensor(MergeMethod method) =>
        Merge.Tensor(method.ToGeneralized((int)K), "visual.transformer.resblocks.0.mlp.c_fc.weight", pretrained,
            models, ones).Dispose();
}
