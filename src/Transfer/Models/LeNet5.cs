using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Transfer.Models;

/// <summary>
/// LeNet-5 for 1×28×28 inputs, laid out exactly as the classic PyTorch definition so its state-dict keys
/// (<c>conv.0.weight</c> … <c>fc.5.bias</c>) match checkpoints written by PyTorch:
/// <c>conv</c> = Sequential(Conv2d(1,6,5,padding=2), ReLU, MaxPool2d(2), Conv2d(6,16,5), ReLU, MaxPool2d(2));
/// <c>fc</c> = Sequential(Flatten, Linear(400,120), ReLU, Linear(120,84), ReLU, Linear(84,10)).
/// </summary>
public sealed class LeNet5 : Module<Tensor, Tensor>
{
    // Field names are the state-dict prefixes; do not rename.
    private readonly Module<Tensor, Tensor> conv;
    private readonly Module<Tensor, Tensor> fc;

    /// <summary>Creates the network with PyTorch's default initialization.</summary>
    /// <param name="classes">The number of output classes (10 for Fashion-MNIST).</param>
    public LeNet5(int classes = 10)
        : base(nameof(LeNet5))
    {
        conv = LeNetLayers.Features();
        fc = LeNetLayers.Classifier(classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using Tensor features = conv.forward(input);
        return fc.forward(features);
    }
}
