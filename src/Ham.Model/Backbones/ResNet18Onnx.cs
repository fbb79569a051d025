using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Model.Backbones;

/// <summary>
/// Converts the ImageNet ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 (an ONNX export of
/// a CNTK 2.6 model, MIT) into a <see cref="ResNet18"/>, reading the weights with OnnxSharp.
/// The graph, as found: Conv (no bias) -> BatchNormalization (separate, not folded; inputs scale, bias, mean, var;
/// epsilon 1e-5) -> Relu, a 3×3/2 MaxPool, nine basic blocks (2, 2, 2 and 3 per stage: the last stage has one
/// block more than torchvision's ResNet-18) whose shortcut is a 1×1/2 Conv + BatchNormalization where the width
/// changes, and a 7×7 AveragePool whose [1, 512, 1, 1] output is the graph's output (no classifier). Input
/// [1, 3, 224, 224] fixed.
/// Initializers are named by CNTK (Parameter91, Constant98, ...), so they are matched by tracing the graph from its
/// input, not by name. CNTK pads asymmetrically (conv1 pads 3,3,2,2; strided convs and the max pool 1,1,0,0): for
/// even input sides this equals torchvision's symmetric padding, whose extra last row and column are never read.
/// </summary>
public static class ResNet18Onnx
{
    /// <summary>Where the build puts the model: DnnImageModels/ResNet18Onnx/ResNet18.onnx beside the
    /// assembly.</summary>
    public static string DefaultPath { get; } =
        Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>Loads the model at <see cref="DefaultPath"/>; FileNotFoundException naming the path if
    /// absent.</summary>
    public static ResNet18 LoadDefault(Device device) => Load(DefaultPath, device);

    /// <summary>
    /// Reads <paramref name="onnxPath"/> and returns the converted network on <paramref name="device"/>, in eval mode.
    /// FileNotFoundException when the file is absent, InvalidDataException when its graph is not the expected one.
    /// </summary>
    public static ResNet18 Load(string onnxPath, Device device)
    {
        if (!File.Exists(onnxPath))
        {
            throw new FileNotFoundException(
                $"ResNet-18 ONNX model not found: {onnxPath}; the build copies it from the NuGet package " +
                "Microsoft.ML.DnnImageFeaturizer.ResNet18 (DnnImageModels/ResNet18Onnx/ResNet18.onnx beside ham)",
                onnxPath);
        }
        var (weights, blocksPerStage) = ReadWeights(onnxPath);

        var model = new ResNet18(blocksPerStage);
        var state = model.state_dict();
        using (no_grad())
        {
            foreach (var (key, target) in state)
            {
                if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
                if (!weights.TryGetValue(key, out var source))
                    throw new InvalidDataException($"{onnxPath}: no initializer found for {key}");
                var expected = target.shape;
                if (!source.Shape.SequenceEqual(expected))
                {
                    throw new InvalidDataException(
                        $"{onnxPath}: initializer {source.OnnxName} for {key} has shape " +
                        $"[{string.Join(", ", source.Shape)}], expected [{string.Join(", ", expected)}]");
                }
                using var value = tensor(source.Values, source.Shape);
                target.copy_(value);
            }
        }
        var unused = weights.Keys.Except(state.Keys).ToList();
        if (unused.Count > 0)
            throw new InvalidDataException($"{onnxPath}: unexpected tensors {string.Join(", ", unused)}");

        model.to(device);
        model.eval();
        return model;
    }

    /// <summary>One initializer, renamed to its torchvision key.</summary>
    private sealed record Weight(string OnnxName, long[] Shape, float[] Values);

    private static (Dictionary<string, Weight> Weights, int[] BlocksPerStage) ReadWeights(string path)
    {
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not an ONNX model: {e.Message}", e);
        }
        var tracer = new GraphTracer(path, model.Graph);
        return (tracer.Trace(), tracer.BlocksPerStage);
    }

    /// <summary>Walks the graph from its input and names each Conv and BatchNormalization as torchvision
    /// does.</summary>
    private sealed class GraphTracer(string path, GraphProto graph)
    {
        private readonly Dictionary<string, TensorProto> initializers =
            graph.Initializer.ToDictionary(t => t.Name, t => t);

        private readonly ILookup<string, NodeProto> consumers =
            graph.Node.SelectMany(n => n.Input.Select(i => (Input: i, Node: n))).ToLookup(e => e.Input, e => e.Node);

        private readonly Dictionary<string, Weight> weights = [];

        /// <summary>Basic blocks found in each of the four stages.</summary>
        public int[] BlocksPerStage { get; } = new int[4];

        public Dictionary<string, Weight> Trace()
        {
            var input = graph.Input.Select(i => i.Name).Where(n => !initializers.ContainsKey(n)).ToList();
            if (input.Count != 1)
                throw Bad($"expected one image input, found {input.Count} ({string.Join(", ", input)})");

            var x = Conv(Next("Conv", input[0]), "conv1", kernel: 7);
            x = Norm(Next("BatchNormalization", x), "bn1");
            x = Next("Relu", x).Output[0];
            x = Next("MaxPool", x).Output[0];

            // Blocks follow while a Conv reads the stream; a block with a 1×1 shortcut opens the next stage.
            var stage = 0;
            while (consumers[x].Any(n => n.OpType == "Conv"))
            {
                var opensStage = consumers[x].Any(n => n.OpType == "Conv" && KernelSide(n) == 1);
                if (opensStage && BlocksPerStage[0] > 0) stage++;
                if (stage > 3) throw Bad($"more than four stages of blocks (at {x})");
                x = Block(x, $"layer{stage + 1}.{BlocksPerStage[stage]}");
                BlocksPerStage[stage]++;
            }
            if (BlocksPerStage.Any(b => b == 0))
                throw Bad($"blocks per stage [{string.Join(", ", BlocksPerStage)}]; expected four stages");

            var pool = Next("AveragePool", x);
            if (!graph.Output.Any(o => o.Name == pool.Output[0]))
                throw Bad($"the pooled features {pool.Output[0]} are not the graph's output");
            return weights;
        }

        private string Block(string input, string name)
        {
            var convs = consumers[input].Where(n => n.OpType == "Conv").ToList();
            var main = convs.Where(n => KernelSide(n) == 3).ToList();
            var shortcut = convs.Where(n => KernelSide(n) == 1).ToList();
            if (main.Count != 1 || shortcut.Count > 1 || convs.Count != main.Count + shortcut.Count)
                throw Bad($"{name}: expected one 3×3 Conv (and at most one 1×1 Conv) reading {input}");

            var x = Conv(main[0], $"{name}.conv1", kernel: 3);
            x = Norm(Next("BatchNormalization", x), $"{name}.bn1");
            x = Next("Relu", x).Output[0];
            x = Conv(Next("Conv", x), $"{name}.conv2", kernel: 3);
            x = Norm(Next("BatchNormalization", x), $"{name}.bn2");

            var residual = input;
            if (shortcut.Count == 1)
            {
                residual = Conv(shortcut[0], $"{name}.downsample.0", kernel: 1);
                residual = Norm(Next("BatchNormalization", residual), $"{name}.downsample.1");
            }
            var add = Next("Add", x);
            if (!add.Input.Contains(residual))
                throw Bad($"{name}: the Add {add.Name} does not read the shortcut {residual}");
            return Next("Relu", add.Output[0]).Output[0];
        }

        private NodeProto Next(string opType, string input)
        {
            var nodes = consumers[input].Where(n => n.OpType == opType).ToList();
            if (nodes.Count != 1)
                throw Bad($"expected one {opType} reading {input}, found {nodes.Count}");
            return nodes[0];
        }

        private static long KernelSide(NodeProto node) =>
            node.Attribute.FirstOrDefault(a => a.Name == "kernel_shape")?.Ints.FirstOrDefault() ?? -1;

        private string Conv(NodeProto node, string name, int kernel)
        {
            if (node.Input.Count != 2) throw Bad($"{name}: Conv {node.Name} has a bias; expected none");
            if (KernelSide(node) != kernel)
                throw Bad($"{name}: Conv {node.Name} kernel {KernelSide(node)}, expected {kernel}");
            var group = node.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1;
            if (group != 1) throw Bad($"{name}: Conv {node.Name} has group {group}, expected 1");
            Add($"{name}.weight", node.Input[1]);
            return node.Output[0];
        }

        private string Norm(NodeProto node, string name)
        {
            var epsilon = node.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            if (Math.Abs(epsilon - 1e-5f) > 1e-9f)
                throw Bad($"{name}: BatchNormalization {node.Name} epsilon {epsilon}, expected 1e-05");
            Add($"{name}.weight", node.Input[1]);
            Add($"{name}.bias", node.Input[2]);
            Add($"{name}.running_mean", node.Input[3]);
            Add($"{name}.running_var", node.Input[4]);
            return node.Output[0];
        }

        private void Add(string key, string initializer)
        {
            if (!initializers.TryGetValue(initializer, out var proto))
                throw Bad($"{key}: {initializer} is not an initializer");
            if (proto.DataType != (int)TensorProto.Types.DataType.Float)
                throw Bad($"{key}: initializer {initializer} has data type {proto.DataType}, expected float");
            var count = proto.Dims.Aggregate(1L, (a, b) => a * b);
            var values = proto.FloatData.Count == count ? proto.FloatData.ToArray() : FromRaw(proto, key, count);
            weights[key] = new Weight(initializer, proto.Dims.ToArray(), values);
        }

        private float[] FromRaw(TensorProto proto, string key, long count)
        {
            var raw = proto.RawData.Span;
            if (raw.Length != count * sizeof(float))
                throw Bad($"{key}: initializer {proto.Name} holds {raw.Length} bytes, expected {count * 4}");
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray();
        }

        private InvalidDataException Bad(string problem) =>
            new($"{path}: not the expected ResNet-18 graph: {problem}");
    }
}
