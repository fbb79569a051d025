using System.Collections.Generic;

namespace Ham.Generators.Model
{
    /// <summary>How a Hugging Face tensor is made from the OpenAI one.</summary>
    internal enum HuggingFaceTransform
    {
        // Same values, same shape.
        Identity,
        // The 2-d matrix is transposed (projections: OpenAI multiplies x @ proj, Hugging Face uses Linear).
        Transpose,
        // The rows are split into equal parts (fused in_proj into q_proj, k_proj, v_proj).
        SplitRows,
        // No Hugging Face counterpart (architectures that Hugging Face CLIPModel does not cover).
        None,
    }

    /// <summary>One checkpoint tensor of an architecture, derived from a spec when emitting (never cached).</summary>
    internal sealed class KeyRow
    {
        public KeyRow(string name, long[] shape, bool isBuffer, HuggingFaceTransform transform,
            IReadOnlyList<string> huggingFaceNames)
        {
            Name = name;
            Shape = shape;
            IsBuffer = isBuffer;
            Transform = transform;
            HuggingFaceNames = huggingFaceNames;
        }

        // Name in the OpenAI (or torchvision) state dict.
        public string Name { get; }

        public long[] Shape { get; }

        // A buffer (batch-norm statistics) rather than a trainable parameter.
        public bool IsBuffer { get; }

        public HuggingFaceTransform Transform { get; }

        // Hugging Face names in order: one name, or three for a fused q/k/v projection.
        public IReadOnlyList<string> HuggingFaceNames { get; }
    }

    /// <summary>A named set of keys; Property is its C# name on the groups type.</summary>
    internal sealed class GroupRow
    {
        public GroupRow(string name, string property, IReadOnlyList<string> keys)
        {
            Name = name;
            Property = property;
            Keys = keys;
        }

        public string Name { get; }

        public string Property { get; }

        public IReadOnlyList<string> Keys { get; }
    }
}
