using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MyNamespace;

/// <summary>
/// A small image classifier named as torchvision names ResNet's first layers, so a torchvision ResNet18 checkpoint
/// fills part of it: <c>conv1</c> (in_chans → 64, 7×7, stride 2), <c>bn1</c>, max pooling, <c>layer1.0.conv1</c>
/// and <c>layer1.0.bn1</c> (64 → 64, 3×3), global average pooling and <c>fc</c> (64 → classes).
/// </summary>
public sealed class StemNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> layer1;
    private readonly Module<Tensor, Tensor> fc;

    public StemNet(int classes, int in_chans = 3)
        : base(nameof(StemNet))
    {
        conv1 = Conv2d(in_chans, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        layer1 = Sequential(("0", new Block()));
        fc = Linear(64, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using Tensor a = conv1.forward(input);
        using Tensor b = bn1.forward(a);
        using Tensor c = functional.relu(b);
        using Tensor d = functional.max_pool2d(c, 3, 2, 1);
        using Tensor e = layer1.forward(d);
        using Tensor f = functional.adaptive_avg_pool2d(e, 1);
        using Tensor g = f.flatten(1);
        return fc.forward(g);
    }

    /// <summary>One convolution, BatchNorm and ReLU, named as torchvision's BasicBlock names its first ones.</summary>
    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> conv1;
        private readonly Module<Tensor, Tensor> bn1;

        public Block()
            : base(nameof(Block))
        {
            conv1 = Conv2d(64, 64, 3, padding: 1, bias: false);
            bn1 = BatchNorm2d(64);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using Tensor a = conv1.forward(input);
            using Tensor b = bn1.forward(a);
            return functional.relu(b);
        }
    }
}
