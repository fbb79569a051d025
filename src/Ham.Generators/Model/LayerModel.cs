namespace Ham.Generators.Model
{
    /// <summary>One layer kind to emit, with the namespace of its hand-written half.</summary>
    internal sealed record LayerOutputModel(string Namespace, LayerKindModel Kind);

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
        // A ModuleList of Count modules of Type, each built with Arguments.
        ModuleList,
    }

    internal sealed record LayerMemberModel(
        string Name, LayerMemberKind Kind, EquatableArray<string> Arguments, string Type = "", string Count = "",
        string Init = "");
}
