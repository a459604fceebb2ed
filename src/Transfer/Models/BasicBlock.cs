using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Transfer.Models;

/// <summary>
/// torchvision's ResNet <c>BasicBlock</c>: two 3×3 convolutions with BatchNorm and an identity shortcut,
/// or a <c>downsample</c> = Sequential(Conv2d 1×1, BatchNorm2d) shortcut when the stride or width changes.
/// Field names match torchvision's (<c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>, <c>downsample</c>).
/// </summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
    // Field names are the state-dict prefixes; do not rename.
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> conv2;
    private readonly Module<Tensor, Tensor> bn2;
    private readonly Module<Tensor, Tensor>? downsample;

    public BasicBlock(long inPlanes, long planes, long stride)
        : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(planes);
        conv2 = Conv2d(planes, planes, 3, stride: 1, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        if (stride != 1 || inPlanes != planes)
        {
            downsample = Sequential(Conv2d(inPlanes, planes, 1, stride: stride, bias: false), BatchNorm2d(planes));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor x = functional.relu(bn1.forward(conv1.forward(input)));
        x = bn2.forward(conv2.forward(x));
        Tensor shortcut = downsample is null ? input : downsample.forward(input);
        return functional.relu(x.add(shortcut)).MoveToOuterDisposeScope();
    }
}
