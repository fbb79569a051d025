using Ham.Model.Tokenization;
using static TorchSharp.torch;

namespace Ham.Model.Clip;

// Shapes: C classes, P prompt templates, L context positions, E embedding.

/// <summary>
/// CLIP's zero-shot classifier: one text embedding per class, averaged over prompt templates (Radford et al.,
/// "Learning Transferable Visual Models From Natural Language Supervision", 2021, section 3.1.4).
/// </summary>
public static class ZeroShotHead
{
    /// <summary>A small default set of prompt templates; "{}" stands for the class name.</summary>
    public static IReadOnlyList<string> DefaultTemplates { get; } =
    [
        "a photo of a {}.",
        "a sketch of a {}.",
        "a painting of a {}.",
        "a cartoon {}.",
        "a drawing of a {}.",
        "art of a {}.",
        "a photo of the large {}.",
        "a photo of the small {}.",
    ];

    /// <summary>
    /// w_c = normalize(mean_p normalize(encode_text(template_p(c)))): [C, E] on <paramref name="device"/>, where the
    /// model already is. The caller owns the result.
    /// </summary>
    public static Tensor Build(ClipModel model, ClipTokenizer tokenizer, IReadOnlyList<string> classNames,
        IReadOnlyList<string> templates, Device device)
    {
        if (classNames.Count == 0) throw new ArgumentException("no class names given", nameof(classNames));
        if (templates.Count == 0) throw new ArgumentException("no prompt templates given", nameof(templates));
        foreach (var template in templates.Where(template => !template.Contains("{}")))
            throw new ArgumentException($"prompt template \"{template}\" has no {{}} for the class name",
                nameof(templates));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var rows = new List<Tensor>();
        foreach (var className in classNames)
        {
            var prompts = templates.Select(template => template.Replace("{}", className)).ToList();
            var ids = tokenizer.EncodeBatch(prompts, model.Config.ContextLength).to(device);  // [P, L]
            var perPrompt = ClipModel.Normalize(model.EncodeText(ids));                        // [P, E]
            rows.Add(ClipModel.Normalize(perPrompt.mean([0])));                                // [E]
        }
        return stack(rows).MoveToOuterDisposeScope();                                         // [C, E]
    }
}
