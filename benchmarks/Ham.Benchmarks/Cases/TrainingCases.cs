using System.Diagnostics;
using Ham.Benchmarks.Measure;
using Ham.Model.Backbones;
using Ham.Model.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Benchmarks.Cases;

/// <summary>
/// Training and inference throughput with random weights on random inputs: train = forward + cross-entropy
/// backward + Adam step; eval = forward under no_grad in eval mode. Two warm-up steps, then the mean of the rest.
/// </summary>
public static class TrainingCases
{
    /// <summary>
    /// ResNet-18 (Ham.Model.Backbones) with a 7-class linear head, 128 px, batch 32: torchvision's 2-2-2-2 blocks
    /// (the architecture of the PyTorch anchor), then the ONNX network's 2-2-2-3 that the main job trains.
    /// </summary>
    public static IEnumerable<Figure> ResNet18Throughput(int steps) =>
        ResNetThroughput("ResNet-18 128 px b32", [2, 2, 2, 2], steps)
            .Concat(ResNetThroughput("ResNet-18 2-2-2-3 (ONNX) 128 px b32", ResNet18.OnnxBlocksPerStage, steps));

    private static IEnumerable<Figure> ResNetThroughput(string name, IReadOnlyList<int> blocks, int steps)
    {
        const int batch = 32, resolution = 128, classes = 7;
        manual_seed(0);
        var backbone = new ResNet18(blocks);
        var head = nn.Linear(ResNet18.FeatureDim, classes);
        var encoder = (Func<Tensor, Tensor>)backbone.call;
        return Throughput(name, batch, resolution, classes, steps, images => head.call(encoder(images)),
            backbone.parameters().Concat(head.parameters()), train => { backbone.train(train); head.train(train); });
    }

    /// <summary>
    /// CLIP ViT-B/16's image tower (Ham.Model.Clip, the ViT-B/16 preset), 224 px, batch 8; the loss is cross-entropy
    /// on the 512 projected features, as in benchmarks/anchors/training.py.
    /// </summary>
    public static IEnumerable<Figure> VitB16Throughput(int steps)
    {
        const int batch = 8;
        manual_seed(0);
        var config = ClipConfig.VitB16;
        var visual = new ClipVisionTransformer(config.ImageResolution, config.VisionPatchSize, config.VisionWidth,
            config.VisionLayers, config.VisionHeads, config.EmbedDim);
        return Throughput("ViT-B/16 224 px b8", batch, config.ImageResolution, config.EmbedDim, steps, visual.call,
            visual.parameters(), visual.train);
    }

    /// <summary>
    /// Measures eval then train img/s of <paramref name="forward"/> (images -> logits) on one fixed batch.
    /// </summary>
    public static IEnumerable<Figure> Throughput(string name, int batch, int resolution, int classes, int steps,
        Func<Tensor, Tensor> forward, IEnumerable<TorchSharp.Modules.Parameter> parameters, Action<bool> setTraining)
    {
        using var images = randn(batch, 3, resolution, resolution);
        using var labels = randint(0, classes, [batch]);
        using var optimizer = optim.Adam(parameters, lr: 1e-5);

        setTraining(false);
        var evalSeconds = SecondsPerStep(steps, () =>
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            forward(images);
        });

        setTraining(true);
        var trainSeconds = SecondsPerStep(steps, () =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(forward(images), labels);
            loss.backward();
            optimizer.step();
        });

        var details = new
        {
            batch,
            resolution,
            steps,
            threads = get_num_threads(),
            eval_seconds_per_step = evalSeconds,
            train_seconds_per_step = trainSeconds,
            peak_bytes = ProcessMemory.PeakResidentBytes(),
        };
        yield return Figure.Now("training", $"{name} eval", batch / evalSeconds, "img/s", details);
        yield return Figure.Now("training", $"{name} train", batch / trainSeconds, "img/s", details);
    }

    // Two warm-up steps (JIT, oneDNN's primitives, the allocator): with one, the first case of a process measured
    // 88 img/s eval for the smaller network against 131 img/s for the bigger one measured after it.
    private static double SecondsPerStep(int steps, Action step)
    {
        step();
        step();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++) step();
        return clock.Elapsed.TotalSeconds / steps;
    }
}
