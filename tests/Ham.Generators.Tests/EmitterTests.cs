using Ham.Generators.Emitting;
using Ham.Generators.Model;
using Snapshooter;
using Snapshooter.Xunit;

namespace Ham.Generators.Tests;

/// <summary>The emitters alone, on models built by hand: what they write depends on the model and nothing else.</summary>
public sealed class EmitterTests
{
    private static readonly LocationInfo Nowhere = new("specs/hand.json", 0, 1, 0, 0, 0, 1);

    private static SpecModel HandMadeClip() => new(
        "hand-made", "HandMade", "hand.json", Nowhere,
        new ClipModel(16, false, new TowerModel(32, 1, 2, 64), new TowerModel(24, 1, 3, 48), 8, 4, 5, 10),
        null,
        new[] { new CustomGroupModel("mine", new[] { "visual.mlp", "logit_scale" }.ToEquatableArray()) }
            .ToEquatableArray(),
        new[] { "mine" }.ToEquatableArray(),
        new[] { "visual", "logit_scale" }.ToEquatableArray());

    [Fact]
    public void Spec_emitter_output_matches_snapshot() =>
        Snapshot.Match(SpecEmitter.Emit(HandMadeClip()));

    [Fact]
    public void Spec_emitter_output_is_the_same_for_equal_models()
    {
        Assert.Equal(HandMadeClip(), HandMadeClip());
        Assert.Equal(SpecEmitter.Emit(HandMadeClip()), SpecEmitter.Emit(HandMadeClip()));
    }

    [Fact]
    public void Layer_emitter_writes_every_member_kind()
    {
        var kind = new LayerKindModel("Every", "nn.Module<Tensor, Tensor>",
            new[] { new LayerArgumentModel("int", "width", false, null), new LayerArgumentModel("int", "count", true, null) }
                .ToEquatableArray(),
            new[]
            {
                new LayerMemberModel("scale", LayerMemberKind.Parameter, EquatableArray<string>.Empty, Init: "ones"),
                new LayerMemberModel("table", LayerMemberKind.Parameter, new[] { "2 * width", "width" }.ToEquatableArray(),
                    Init: "zeros"),
                new LayerMemberModel("fc", LayerMemberKind.Linear, new[] { "width", "3" }.ToEquatableArray()),
                new LayerMemberModel("norm", LayerMemberKind.LayerNorm, new[] { "width", "1e-6" }.ToEquatableArray()),
                new LayerMemberModel("patch", LayerMemberKind.PatchConv2d, new[] { "3", "width", "4" }.ToEquatableArray()),
                new LayerMemberModel("tokens", LayerMemberKind.Embedding, new[] { "10", "width" }.ToEquatableArray()),
                new LayerMemberModel("child", LayerMemberKind.Module, new[] { "width" }.ToEquatableArray(), "Child"),
                new LayerMemberModel("items", LayerMemberKind.ModuleList, new[] { "width" }.ToEquatableArray(), "Child",
                    "count"),
            }.ToEquatableArray(),
            IsRoot: true);

        Snapshot.Match(LayerEmitter.Emit("Test.Every", kind));
    }
}
