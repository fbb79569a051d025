using System.Collections.Generic;
using System.Linq;
using Ham.Generators.Model;

namespace Ham.Generators.Layouts
{
    /// <summary>
    /// The checkpoint layout of OpenAI CLIP (clip/model.py state dicts, which open_clip shares) and its Hugging Face
    /// CLIPModel names, in state-dict order: a module's own parameters first, then its children.
    /// </summary>
    internal static class ClipLayout
    {
        public static readonly string[] DefaultTrained = { "visual" };

        public static readonly string[] DefaultMerged = { "visual" };

        public static IReadOnlyList<KeyRow> Keys(ClipModel clip)
        {
            var keys = new List<KeyRow>();
            int e = clip.EmbedDim, wv = clip.Vision.Width, wt = clip.Text.Width;
            var tokens = clip.GridSize * clip.GridSize + 1;

            keys.Add(Same("positional_embedding", "text_model.embeddings.position_embedding.weight",
                clip.ContextLength, wt));
            keys.Add(Transposed("text_projection", "text_projection.weight", wt, e));
            keys.Add(Same("logit_scale", "logit_scale"));

            keys.Add(Same("visual.class_embedding", "vision_model.embeddings.class_embedding", wv));
            keys.Add(Same("visual.positional_embedding", "vision_model.embeddings.position_embedding.weight",
                tokens, wv));
            keys.Add(Transposed("visual.proj", "visual_projection.weight", wv, e));
            keys.Add(Same("visual.conv1.weight", "vision_model.embeddings.patch_embedding.weight",
                wv, 3, clip.PatchSize, clip.PatchSize));
            AddNorm(keys, "visual.ln_pre", "vision_model.pre_layrnorm", wv);
            for (var i = 0; i < clip.Vision.Layers; i++)
            {
                AddBlock(keys, $"visual.transformer.resblocks.{i}.", $"vision_model.encoder.layers.{i}.", clip.Vision);
            }

            AddNorm(keys, "visual.ln_post", "vision_model.post_layernorm", wv);

            for (var i = 0; i < clip.Text.Layers; i++)
            {
                AddBlock(keys, $"transformer.resblocks.{i}.", $"text_model.encoder.layers.{i}.", clip.Text);
            }

            keys.Add(Same("token_embedding.weight", "text_model.embeddings.token_embedding.weight",
                clip.VocabSize, wt));
            AddNorm(keys, "ln_final", "text_model.final_layer_norm", wt);
            return keys;
        }

        /// <summary>The built-in groups, in the order the groups type declares them.</summary>
        public static IReadOnlyList<GroupRow> Groups(ClipModel clip, IReadOnlyList<KeyRow> keys)
        {
            var names = keys.Select(k => k.Name).ToList();
            var visual = names.Where(n => n.StartsWith("visual.")).ToList();
            var text = names.Where(n => !n.StartsWith("visual.") && n != "logit_scale").ToList();
            var groups = new List<GroupRow>();

            AddTower(groups, "visual", "Visual", visual, clip.Vision.Layers, "visual.transformer.resblocks.",
                new[] { "visual.class_embedding", "visual.positional_embedding", "visual.conv1.weight" },
                new[] { "visual.ln_pre.", "visual.ln_post." }, new[] { "visual.proj" });
            AddTower(groups, "text", "Text", text, clip.Text.Layers, "transformer.resblocks.",
                new[] { "token_embedding.weight", "positional_embedding" },
                new[] { "ln_final." }, new[] { "text_projection" });
            groups.Add(new GroupRow("logit_scale", "LogitScale", new[] { "logit_scale" }));
            groups.Add(new GroupRow("all", "All", names));
            return groups;
        }

        private static void AddTower(List<GroupRow> groups, string tower, string property, List<string> keys,
            int layers, string blockPrefix, string[] embeddings, string[] outerNorms, string[] projection)
        {
            groups.Add(new GroupRow($"{tower}.embeddings", $"{property}Embeddings", embeddings));
            groups.Add(new GroupRow($"{tower}.attention", $"{property}Attention",
                keys.Where(k => k.StartsWith(blockPrefix) && k.Contains(".attn.")).ToList()));
            groups.Add(new GroupRow($"{tower}.mlp", $"{property}Mlp",
                keys.Where(k => k.StartsWith(blockPrefix) && k.Contains(".mlp.")).ToList()));
            groups.Add(new GroupRow($"{tower}.norms", $"{property}Norms",
                keys.Where(k => outerNorms.Any(k.StartsWith) ||
                    (k.StartsWith(blockPrefix) && (k.Contains(".ln_1.") || k.Contains(".ln_2.")))).ToList()));
            groups.Add(new GroupRow($"{tower}.projection", $"{property}Projection", projection));
            for (var i = 0; i < layers; i++)
            {
                var prefix = $"{blockPrefix}{i}.";
                groups.Add(new GroupRow($"{tower}.layers.{i}", $"{property}Layers[{i}]",
                    keys.Where(k => k.StartsWith(prefix)).ToList()));
            }

            groups.Add(new GroupRow(tower, property, keys));
        }

        private static void AddBlock(List<KeyRow> keys, string prefix, string hfPrefix, TowerModel tower)
        {
            int w = tower.Width, m = tower.MlpWidth;
            keys.Add(Split(prefix + "attn.in_proj_weight", hfPrefix + "self_attn.", "weight", 3L * w, w));
            keys.Add(Split(prefix + "attn.in_proj_bias", hfPrefix + "self_attn.", "bias", 3L * w));
            keys.Add(Same(prefix + "attn.out_proj.weight", hfPrefix + "self_attn.out_proj.weight", w, w));
            keys.Add(Same(prefix + "attn.out_proj.bias", hfPrefix + "self_attn.out_proj.bias", w));
            AddNorm(keys, prefix + "ln_1", hfPrefix + "layer_norm1", w);
            keys.Add(Same(prefix + "mlp.c_fc.weight", hfPrefix + "mlp.fc1.weight", m, w));
            keys.Add(Same(prefix + "mlp.c_fc.bias", hfPrefix + "mlp.fc1.bias", m));
            keys.Add(Same(prefix + "mlp.c_proj.weight", hfPrefix + "mlp.fc2.weight", w, m));
            keys.Add(Same(prefix + "mlp.c_proj.bias", hfPrefix + "mlp.fc2.bias", w));
            AddNorm(keys, prefix + "ln_2", hfPrefix + "layer_norm2", w);
        }

        private static void AddNorm(List<KeyRow> keys, string prefix, string hfPrefix, int width)
        {
            keys.Add(Same(prefix + ".weight", hfPrefix + ".weight", width));
            keys.Add(Same(prefix + ".bias", hfPrefix + ".bias", width));
        }

        private static KeyRow Same(string name, string hfName, params long[] shape) =>
            new KeyRow(name, shape, false, HuggingFaceTransform.Identity, new[] { hfName });

        private static KeyRow Transposed(string name, string hfName, params long[] shape) =>
            new KeyRow(name, shape, false, HuggingFaceTransform.Transpose, new[] { hfName });

        private static KeyRow Split(string name, string hfPrefix, string leaf, params long[] shape) =>
            new KeyRow(name, shape, false, HuggingFaceTransform.SplitRows,
                new[] { $"{hfPrefix}q_proj.{leaf}", $"{hfPrefix}k_proj.{leaf}", $"{hfPrefix}v_proj.{leaf}" });
    }
}
