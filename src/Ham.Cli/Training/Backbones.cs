using static TorchSharp.torch;

namespace Ham.Cli.Training;

/// <summary>The backbones `ham dg --backbone` knows.</summary>
public static class Backbones
{
    public static IBackbone Load(string name, string? checkpoint, Device device) => name switch
    {
        "resnet18" => ResNet18Backbone.Load(checkpoint, device),
        "clip" => ClipBackbone.Load(checkpoint ?? throw new ArgumentException(
            "--backbone clip needs --checkpoint FILE (a CLIP checkpoint: safetensors, .pt or .bin)"), device),
        _ => throw new ArgumentException($"--backbone must be resnet18 or clip, got '{name}'"),
    };
}
