using System.Collections.Generic;
using System.Linq;
using Ham.Generators.Model;

namespace Ham.Generators.Layouts
{
    /// <summary>
    /// The torchvision ResNet state dict with BasicBlocks (resnet18/34) and without the classifier fc, whose
    /// 512-d pooled features Ham uses directly.
    /// </summary>
    internal static class ResNetLayout
    {
        public static readonly string[] DefaultTrained = { "parameters" };

        public static readonly string[] DefaultMerged = { "parameters" };

        public static IReadOnlyList<KeyRow> Keys(ResNetModel resnet)
        {
            var keys = new List<KeyRow>();
            keys.Add(Parameter("conv1.weight", resnet.Width, 3, 7, 7));
            AddBatchNorm(keys, "bn1", resnet.Width);

            long inPlanes = resnet.Width;
            for (var stage = 0; stage < resnet.Blocks.Count; stage++)
            {
                var planes = (long)resnet.Width << stage;
                for (var block = 0; block < resnet.Blocks[stage]; block++)
                {
                    var prefix = $"layer{stage + 1}.{block}.";
                    keys.Add(Parameter(prefix + "conv1.weight", planes, inPlanes, 3, 3));
                    AddBatchNorm(keys, prefix + "bn1", planes);
                    keys.Add(Parameter(prefix + "conv2.weight", planes, planes, 3, 3));
                    AddBatchNorm(keys, prefix + "bn2", planes);

                    // The first block of stages 2-4 halves the resolution and widens, so its shortcut projects.
                    if (block == 0 && stage > 0)
                    {
                        keys.Add(Parameter(prefix + "downsample.0.weight", planes, inPlanes, 1, 1));
                        AddBatchNorm(keys, prefix + "downsample.1", planes);
                    }

                    inPlanes = planes;
                }
            }

            return keys;
        }

        public static IReadOnlyList<GroupRow> Groups(ResNetModel resnet, IReadOnlyList<KeyRow> keys)
        {
            var groups = new List<GroupRow>
            {
                new GroupRow("stem", "Stem",
                    Names(keys, k => k.Name.StartsWith("conv1.") || k.Name.StartsWith("bn1."))),
            };
            for (var stage = 0; stage < resnet.Blocks.Count; stage++)
            {
                var prefix = $"layer{stage + 1}.";
                groups.Add(new GroupRow($"layer{stage + 1}", $"Stages[{stage}]",
                    Names(keys, k => k.Name.StartsWith(prefix))));
            }

            // A block is the unit that adds into the residual stream: the algorithms' group for ResNets.
            var block = 0;
            for (var stage = 0; stage < resnet.Blocks.Count; stage++)
            {
                for (var index = 0; index < resnet.Blocks[stage]; index++, block++)
                {
                    var prefix = $"layer{stage + 1}.{index}.";
                    groups.Add(new GroupRow($"layer{stage + 1}.{index}", $"Blocks[{block}]",
                        Names(keys, k => k.Name.StartsWith(prefix))));
                }
            }

            groups.Add(new GroupRow("convs", "Convs", Names(keys, k => k.Shape.Length == 4)));
            groups.Add(new GroupRow("norms", "Norms", Names(keys, k => !k.IsBuffer && k.Shape.Length == 1)));
            groups.Add(new GroupRow("statistics", "Statistics", Names(keys, k => k.IsBuffer)));
            groups.Add(new GroupRow("parameters", "Parameters", Names(keys, k => !k.IsBuffer)));
            groups.Add(new GroupRow("all", "All", Names(keys, k => true)));
            return groups;
        }

        private static List<string> Names(IReadOnlyList<KeyRow> keys, System.Func<KeyRow, bool> predicate) =>
            keys.Where(predicate).Select(k => k.Name).ToList();

        private static void AddBatchNorm(List<KeyRow> keys, string prefix, long channels)
        {
            keys.Add(Parameter(prefix + ".weight", channels));
            keys.Add(Parameter(prefix + ".bias", channels));
            keys.Add(Buffer(prefix + ".running_mean", channels));
            keys.Add(Buffer(prefix + ".running_var", channels));
            keys.Add(Buffer(prefix + ".num_batches_tracked"));
        }

        private static KeyRow Parameter(string name, params long[] shape) =>
            new KeyRow(name, shape, false, HuggingFaceTransform.None, new string[0]);

        private static KeyRow Buffer(string name, params long[] shape) =>
            new KeyRow(name, shape, true, HuggingFaceTransform.None, new string[0]);
    }
}
