namespace Ham.Generators.Model
{
    /// <summary>One layer kind to emit, with the namespace of its hand-written half.</summary>
    internal sealed record LayerOutputModel(string Namespace, LayerKindModel Kind);

    /// <summary>Where the hand-written halves live: CLIP's and ResNet's namespaces; empty for none.</summary>
    internal sealed record LayerOptionsModel(string Clip, string ResNet);

    /// <summary>
    /// One layer kind: a partial TorchSharp module whose fields (named as the checkpoint keys), constructor,
    /// expected shapes and shape-checked copying are generated; forward stays hand-written.
    /// </summary>
    internal sealed record LayerKindModel(
        // Class name, shared with the hand-written half.
        string ClassName,
        // Base type, e.g. nn.Module<Tensor, Tensor>.
        string BaseType,
        // Constructor parameters in order.
        EquatableArray<LayerArgumentModel> Arguments,
        // Checkpoint members in state-dict order.
        EquatableArray<LayerMemberModel> Members,
        // The whole model: gets ExpectedShapes() and LoadStateDict(...).
        bool IsRoot);

    /// <summary>A constructor parameter; Stored keeps it in a private readonly field of the same name.</summary>
    internal sealed record LayerArgumentModel(string Type, string Name, bool Stored, string? Prepare);

    internal enum LayerMemberKind
    {
        // A Parameter; Arguments are the shape's dimensions, Init the factory (empty, zeros, ones).
        Parameter,
        // nn.Linear; Arguments: in features, out features.
        Linear,
        // nn.LayerNorm; Arguments: width, eps.
        LayerNorm,
        // nn.Conv2d without bias, stride = kernel (patch embedding); Arguments: in, out, kernel.
        PatchConv2d,
        // nn.Embedding; Arguments: count, width.
        Embedding,
        // A generated layer kind; Type names it, Arguments are its constructor arguments.
        Module,
        // A ModuleList of Count modules of Type, item i built with Arguments (which may use i).
        ModuleList,
        // nn.Conv2d without bias; Arguments: in, out, kernel, stride, padding.
        Conv2d,
        // nn.BatchNorm2d with running statistics; Arguments: channels.
        BatchNorm2d,
        // torchvision's projection shortcut, Sequential(1x1 conv, batch norm); Arguments: in, out, stride.
        Downsample,
    }

    /// <summary>A checkpoint member; a non-empty Condition makes it optional (created only where it holds).</summary>
    internal sealed record LayerMemberModel(
        string Name, LayerMemberKind Kind, EquatableArray<string> Arguments, string Type = "", string Count = "",
        string Init = "", string Condition = "");
}
