using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Transfer.Models;

/// <summary>
/// LeNet-5 with one more fully connected layer: <c>fc</c> = Sequential(Flatten, Linear(400,120), ReLU,
/// Linear(120,84), ReLU, Linear(84,64), ReLU, Linear(64,10)). Its <c>conv.*</c>, <c>fc.1.*</c> and
/// <c>fc.3.*</c> keys match <see cref="LeNet5"/>'s, <c>fc.5</c> changes shape from [10, 84] to [64, 84] and
/// <c>fc.7</c> is new — the motivating case for partial loading.
/// </summary>
public sealed class LeNet6 : Module<Tensor, Tensor>
{
    // Field names are the state-dict prefixes; do not rename.
    private readonly Module<Tensor, Tensor> conv;
    private readonly Module<Tensor, Tensor> fc;

    /// <summary>Creates the network with PyTorch's default initialization.</summary>
    /// <param name="classes">The number of output classes (10 for Fashion-MNIST).</param>
    public LeNet6(int classes = 10)
        : base(nameof(LeNet6))
    {
        conv = LeNetLayers.Features();
        fc = LeNetLayers.Classifier(classes, 64);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using Tensor features = conv.forward(input);
        return fc.forward(features);
    }
}
