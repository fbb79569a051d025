using Ham.Generators.Model;

namespace Ham.Generators.Layouts
{
    /// <summary>
    /// torchvision's ResNet-18 layer kinds (BasicBlock, the network without fc), member names as its state dict
    /// has them. Emitted only where HamResNetLayerNamespace is set.
    /// </summary>
    internal static class ResNetLayers
    {
        public static EquatableArray<LayerKindModel> Kinds { get; } = new[]
        {
            new LayerKindModel("BasicBlock", "nn.Module<Tensor, Tensor>",
                new[]
                {
                    new LayerArgumentModel("long", "inChannels", false, null),
                    new LayerArgumentModel("long", "outChannels", false, null),
                    new LayerArgumentModel("long", "stride", false, null),
                }.ToEquatableArray(),
                new[]
                {
                    Member("conv1", LayerMemberKind.Conv2d, "inChannels", "outChannels", "3", "stride", "1"),
                    Member("bn1", LayerMemberKind.BatchNorm2d, "outChannels"),
                    Member("conv2", LayerMemberKind.Conv2d, "outChannels", "outChannels", "3", "1", "1"),
                    Member("bn2", LayerMemberKind.BatchNorm2d, "outChannels"),
                    new LayerMemberModel("downsample", LayerMemberKind.Downsample,
                        new[] { "inChannels", "outChannels", "stride" }.ToEquatableArray(),
                        Condition: "stride != 1 || inChannels != outChannels"),
                }.ToEquatableArray(),
                IsRoot: false),
            new LayerKindModel("ResNet18", "nn.Module<Tensor, Tensor>",
                new[] { new LayerArgumentModel("int[]", "blocksPerStage", false, null) }.ToEquatableArray(),
                new[]
                {
                    Member("conv1", LayerMemberKind.Conv2d, "3", "64", "7", "2", "3"),
                    Member("bn1", LayerMemberKind.BatchNorm2d, "64"),
                    Stage("layer1", 0, "64", "64", "1"),
                    Stage("layer2", 1, "i == 0 ? 64 : 128", "128", "i == 0 ? 2 : 1"),
                    Stage("layer3", 2, "i == 0 ? 128 : 256", "256", "i == 0 ? 2 : 1"),
                    Stage("layer4", 3, "i == 0 ? 256 : 512", "512", "i == 0 ? 2 : 1"),
                }.ToEquatableArray(),
                IsRoot: true),
        }.ToEquatableArray();

        private static LayerMemberModel Member(string name, LayerMemberKind kind, params string[] args) =>
            new LayerMemberModel(name, kind, args.ToEquatableArray());

        // Block i of a stage: the first one changes width and stride, the others keep them.
        private static LayerMemberModel Stage(string name, int stage, string inChannels, string outChannels,
            string stride) =>
            new LayerMemberModel(name, LayerMemberKind.ModuleList,
                new[] { inChannels, outChannels, stride }.ToEquatableArray(), "BasicBlock",
                $"blocksPerStage[{stage}]");
    }
}
