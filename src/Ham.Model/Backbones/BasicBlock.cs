using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ham.Model.Backbones;

/// <summary>
/// ResNet's basic block: two 3×3 conv + batch-norm layers and a shortcut (a strided 1×1 conv + batch norm when the
/// shape changes). Field names follow torchvision (conv1, bn1, conv2, bn2, downsample.0, downsample.1).
/// </summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;

    public BasicBlock(string name, long inChannels, long outChannels, long stride) : base(name)
    {
        conv1 = Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
        {
            downsample = Sequential(
                Conv2d(inChannels, outChannels, 1, stride: stride, bias: false),
                BatchNorm2d(outChannels));
        }
        RegisterComponents();
    }

    // [B, Cin, H, W] -> [B, Cout, H / stride, W / stride]
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();

        var x = conv1.call(input);
        x = bn1.call(x);
        x = functional.relu(x, inplace: true);

        x = conv2.call(x);
        x = bn2.call(x);

        var shortcut = downsample is null ? input : downsample.call(input);
        x = x.add_(shortcut);
        x = functional.relu(x, inplace: true);

        return x.MoveToOuterDisposeScope();
    }
}
