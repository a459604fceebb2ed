using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Transfer.Models;

/// <summary>
/// ResNet-18 with torchvision's exact state-dict keys and shapes (<c>conv1</c>, <c>bn1</c>,
/// <c>layer1.0.conv1</c> … <c>layer4.1.bn2</c>, <c>layer2.0.downsample.0/.1</c>, <c>fc</c>, BatchNorm
/// buffers <c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>), so torchvision
/// checkpoints plan onto it by name. The class count and input channels are configurable for fine-tuning
/// on other data (e.g. 10 classes, 1 channel).
/// </summary>
public sealed class ResNet18 : Module<Tensor, Tensor>
{
    // Field names are the state-dict prefixes; do not rename.
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> maxpool;
    private readonly Module<Tensor, Tensor> layer1;
    private readonly Module<Tensor, Tensor> layer2;
    private readonly Module<Tensor, Tensor> layer3;
    private readonly Module<Tensor, Tensor> layer4;
    private readonly Module<Tensor, Tensor> avgpool;
    private readonly Module<Tensor, Tensor> fc;

    /// <summary>Creates the network with TorchSharp's default initialization.</summary>
    /// <param name="classes">Outputs of the final <c>fc</c> layer (1000 for ImageNet).</param>
    /// <param name="inputChannels">Channels of the input images (3 for RGB).</param>
    public ResNet18(long classes = 1000, long inputChannels = 3)
        : base(nameof(ResNet18))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputChannels, 1);
        conv1 = Conv2d(inputChannels, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        maxpool = MaxPool2d(3, stride: 2, padding: 1);
        layer1 = Stage(64, 64, 1);
        layer2 = Stage(64, 128, 2);
        layer3 = Stage(128, 256, 2);
        layer4 = Stage(256, 512, 2);
        avgpool = AdaptiveAvgPool2d(1);
        fc = Linear(512, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor x = maxpool.forward(functional.relu(bn1.forward(conv1.forward(input))));
        x = layer4.forward(layer3.forward(layer2.forward(layer1.forward(x))));
        x = avgpool.forward(x).flatten(1);
        return fc.forward(x).MoveToOuterDisposeScope();
    }

    private static Module<Tensor, Tensor> Stage(long inPlanes, long planes, long stride) =>
        Sequential(new BasicBlock(inPlanes, planes, stride), new BasicBlock(planes, planes, 1));
}
