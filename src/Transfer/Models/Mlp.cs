using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Transfer.Models;

/// <summary>
/// A multi-layer perceptron whose keys are what PyTorch's
/// <c>nn.Sequential(nn.Flatten(), nn.Linear(input, h0), nn.ReLU(), …, nn.Linear(hLast, classes))</c> gives:
/// index 0 is the Flatten, each Linear sits at an odd index (<c>1.weight</c>, <c>1.bias</c>, <c>3.weight</c>…)
/// with a ReLU after it, and the last Linear is at index <c>2 × hidden.Count + 1</c>.
/// </summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> layers = new();

    /// <summary>Creates the network with PyTorch's default initialization.</summary>
    /// <param name="inputSize">Features per example after flattening (784 for 28×28 images).</param>
    /// <param name="hiddenSizes">The width of each hidden layer, in order; may be empty.</param>
    /// <param name="classes">The number of output classes.</param>
    public Mlp(long inputSize, IReadOnlyList<long> hiddenSizes, long classes)
        : base(nameof(Mlp))
    {
        ArgumentNullException.ThrowIfNull(hiddenSizes);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Add(Flatten());
        long width = inputSize;
        foreach (long hidden in hiddenSizes)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1, nameof(hiddenSizes));
            Add(Linear(width, hidden));
            Add(ReLU());
            width = hidden;
        }

        Add(Linear(width, classes));
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor x = input;
        foreach (Module<Tensor, Tensor> layer in layers)
        {
            x = layer.forward(x);
        }

        return x.MoveToOuterDisposeScope();
    }

    private void Add(Module<Tensor, Tensor> layer)
    {
        register_module(layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        layers.Add(layer);
    }
}
