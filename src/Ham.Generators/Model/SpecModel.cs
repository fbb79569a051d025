using System;

namespace Ham.Generators.Model
{
    /// <summary>What parsing one spec file produced: a spec (when it is valid) and its diagnostics.</summary>
    internal sealed record ParseResult(SpecModel? Spec, EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>The spec files that survive name resolution, and the duplicate-name diagnostics.</summary>
    internal sealed record SpecSet(EquatableArray<SpecModel> Specs, EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>One architecture spec, as parsed from its JSON file; the only input of the emitters.</summary>
    internal sealed record SpecModel(
        // Spec name: the file name without extension, as open_clip names its configs ("ViT-B-16").
        string Name,
        // C# identifier derived from the name ("VitB16").
        string Identifier,
        // File name with extension, for documentation comments ("ViT-B-16.json").
        string FileName,
        // Where the spec starts in its file (the opening brace), for file-level diagnostics.
        LocationInfo Location,
        // The CLIP architecture, when the spec has vision_cfg and text_cfg.
        ClipModel? Clip,
        // The ResNet architecture, when the spec has resnet_cfg.
        ResNetModel? ResNet,
        // Groups composed in the spec's "ham" section.
        EquatableArray<CustomGroupModel> CustomGroups,
        // Names of the groups whose tensors are trained.
        EquatableArray<string> Trained,
        // Names of the groups whose tensors are merged.
        EquatableArray<string> Merged);

    /// <summary>CLIP: an image tower (vision transformer) and a text tower joined in a shared embedding.</summary>
    internal sealed record ClipModel(
        // Width of the shared image-text embedding.
        int EmbedDim,
        // Whether the MLPs use QuickGELU (OpenAI's weights) rather than GELU.
        bool QuickGelu,
        TowerModel Vision,
        TowerModel Text,
        // Image resolution in pixels (square); 0 for the text tower.
        int ImageSize,
        // Patch side in pixels.
        int PatchSize,
        // Token context length of the text tower.
        int ContextLength,
        // Vocabulary size of the text tower.
        int VocabSize)
    {
        public int GridSize => ImageSize / PatchSize;
    }

    /// <summary>One transformer tower of CLIP.</summary>
    internal sealed record TowerModel(
        // Residual stream width D.
        int Width,
        // Number of residual attention blocks.
        int Layers,
        // Attention heads H.
        int Heads,
        // Hidden width of the MLP.
        int MlpWidth);

    /// <summary>A torchvision ResNet with BasicBlocks, without the classifier.</summary>
    internal sealed record ResNetModel(
        // Image resolution in pixels (square), for documentation and preprocessing.
        int ImageSize,
        // Channels of the stem and of the first stage.
        int Width,
        // Number of blocks in each of the four stages.
        EquatableArray<int> Blocks)
    {
        public int FeatureDim => Width * 8;
    }

    /// <summary>A group composed in the spec from built-in groups and keys.</summary>
    internal sealed record CustomGroupModel(string Name, EquatableArray<string> Members);
}

namespace Ham.Generators.Model
{
    /// <summary>The identifiers of all resolved specs, for the ClipSpecs.All and ResNetSpecs.All indexes.</summary>
    internal sealed record SpecIndexModel(EquatableArray<string> Clip, EquatableArray<string> ResNet);
}
