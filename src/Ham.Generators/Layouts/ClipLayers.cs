using System.Linq;
using Ham.Generators.Model;

namespace Ham.Generators.Layouts
{
    /// <summary>
    /// CLIP's layer kinds as OpenAI's clip/model.py declares them (member names are the checkpoint keys, in
    /// registration order), with the class names of Ham.Model's hand-written halves. Shapes are C# expressions over
    /// the constructor parameters.
    /// </summary>
    internal static class ClipLayers
    {
        private const string TensorModule = "nn.Module<Tensor, Tensor>";

        public static EquatableArray<LayerKindModel> Kinds { get; } = new[]
        {
            Kind("ClipAttention", TensorModule, false,
                Args(("int", "width", false), ("int", "heads", true), ("bool", "causal", true)),
                Parameter("in_proj_weight", "empty", "3 * width", "width"),
                Parameter("in_proj_bias", "zeros", "3 * width"),
                Member("out_proj", LayerMemberKind.Linear, "width", "width")),
            Kind("ClipMlp", TensorModule, false,
                Args(("int", "width", false)),
                Member("c_fc", LayerMemberKind.Linear, "width", "4 * width"),
                Member("c_proj", LayerMemberKind.Linear, "4 * width", "width")),
            Kind("ResidualAttentionBlock", TensorModule, false,
                Args(("int", "width", false), ("int", "heads", false), ("bool", "causal", false)),
                Child("attn", "ClipAttention", "width", "heads", "causal"),
                Member("ln_1", LayerMemberKind.LayerNorm, "width", "1e-5"),
                Child("mlp", "ClipMlp", "width"),
                Member("ln_2", LayerMemberKind.LayerNorm, "width", "1e-5")),
            Kind("ClipTransformer", TensorModule, false,
                Args(("int", "width", false), ("int", "layers", false), ("int", "heads", false),
                    ("bool", "causal", false)),
                new LayerMemberModel("resblocks", LayerMemberKind.ModuleList,
                    new[] { "width", "heads", "causal" }.ToEquatableArray(), "ResidualAttentionBlock", "layers")),
            Kind("ClipVisionTransformer", TensorModule, false,
                Args(("int", "resolution", true), ("int", "patchSize", false), ("int", "width", false),
                    ("int", "layers", false), ("int", "heads", false), ("int", "embedDim", false)),
                Parameter("class_embedding", "empty", "width"),
                Parameter("positional_embedding", "empty",
                    "(resolution / patchSize) * (resolution / patchSize) + 1", "width"),
                Parameter("proj", "empty", "width", "embedDim"),
                Member("conv1", LayerMemberKind.PatchConv2d, "3", "width", "patchSize"),
                Member("ln_pre", LayerMemberKind.LayerNorm, "width", "1e-5"),
                Child("transformer", "ClipTransformer", "width", "layers", "heads", "false"),
                Member("ln_post", LayerMemberKind.LayerNorm, "width", "1e-5")),
            new LayerKindModel("ClipModel", "nn.Module",
                new[] { new LayerArgumentModel("ClipConfig", "config", true, "config.Validate()") }.ToEquatableArray(),
                new[]
                {
                    Parameter("positional_embedding", "empty", "config.ContextLength", "config.TransformerWidth"),
                    Parameter("text_projection", "empty", "config.TransformerWidth", "config.EmbedDim"),
                    Parameter("logit_scale", "zeros"),
                    Child("visual", "ClipVisionTransformer", "config.ImageResolution", "config.VisionPatchSize",
                        "config.VisionWidth", "config.VisionLayers", "config.VisionHeads", "config.EmbedDim"),
                    Child("transformer", "ClipTransformer", "config.TransformerWidth", "config.TransformerLayers",
                        "config.TransformerHeads", "true"),
                    Member("token_embedding", LayerMemberKind.Embedding, "config.VocabSize", "config.TransformerWidth"),
                    Member("ln_final", LayerMemberKind.LayerNorm, "config.TransformerWidth", "1e-5"),
                }.ToEquatableArray(),
                IsRoot: true),
        }.ToEquatableArray();

        private static LayerKindModel Kind(string name, string baseType, bool isRoot,
            EquatableArray<LayerArgumentModel> arguments, params LayerMemberModel[] members) =>
            new LayerKindModel(name, baseType, arguments, members.ToEquatableArray(), isRoot);

        private static EquatableArray<LayerArgumentModel> Args(params (string Type, string Name, bool Stored)[] args) =>
            args.Select(a => new LayerArgumentModel(a.Type, a.Name, a.Stored, null)).ToEquatableArray();

        private static LayerMemberModel Parameter(string name, string init, params string[] shape) =>
            new LayerMemberModel(name, LayerMemberKind.Parameter, shape.ToEquatableArray(), Init: init);

        private static LayerMemberModel Member(string name, LayerMemberKind kind, params string[] args) =>
            new LayerMemberModel(name, kind, args.ToEquatableArray());

        private static LayerMemberModel Child(string name, string type, params string[] args) =>
            new LayerMemberModel(name, LayerMemberKind.Module, args.ToEquatableArray(), type);
    }
}
