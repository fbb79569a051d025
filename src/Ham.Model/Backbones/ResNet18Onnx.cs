using TorchSharp;
using static TorchSharp.torch;

namespace Ham.Model.Backbones;

/// <summary>
/// Converts the ImageNet ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 (an ONNX export of
/// a CNTK model, MIT) into a <see cref="ResNet18"/>, reading the weights with OnnxSharp.
/// </summary>
public static class ResNet18Onnx
{
    /// <summary>Where the build puts the model: DnnImageModels/ResNet18Onnx/ResNet18.onnx beside the assembly.</summary>
    public static string DefaultPath { get; } =
        Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>Loads the model at <see cref="DefaultPath"/>; FileNotFoundException naming the path if absent.</summary>
    public static ResNet18 LoadDefault(Device device) => Load(DefaultPath, device);

    /// <summary>
    /// Reads <paramref name="onnxPath"/> and returns the converted network on <paramref name="device"/>, in eval mode.
    /// FileNotFoundException when the file is absent, InvalidDataException when its graph is not the expected one.
    /// </summary>
    public static ResNet18 Load(string onnxPath, Device device) => throw new NotImplementedException();
}
