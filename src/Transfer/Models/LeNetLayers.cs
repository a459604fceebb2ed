using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Transfer.Models;

/// <summary>
/// The layers LeNet5 and LeNet6 share, built in one place so both name them identically (<c>conv.0</c>,
/// <c>fc.1</c>, …) and create them in the same order, which fixes how the random initialization falls.
/// </summary>
internal static class LeNetLayers
{
    /// <summary>Conv2d(1,6,5,padding=2), ReLU, MaxPool2d(2), Conv2d(6,16,5), ReLU, MaxPool2d(2): 1×28×28 → 16×5×5.</summary>
    public static Module<Tensor, Tensor> Features() =>
        Sequential(
            Conv2d(1, 6, 5, padding: 2),
            ReLU(),
            MaxPool2d(2),
            Conv2d(6, 16, 5),
            ReLU(),
            MaxPool2d(2));

    /// <summary>
    /// Flatten, Linear(400,120), ReLU, Linear(120,84), then for each of <paramref name="extraWidths"/> a ReLU
    /// and a Linear to that width, and last a ReLU and a Linear to <paramref name="classes"/>.
    /// </summary>
    public static Module<Tensor, Tensor> Classifier(long classes, params long[] extraWidths)
    {
        List<Module<Tensor, Tensor>> layers = [Flatten(), Linear(400, 120), ReLU(), Linear(120, 84)];
        long width = 84;
        foreach (long next in extraWidths.Append(classes))
        {
            layers.Add(ReLU());
            layers.Add(Linear(width, next));
            width = next;
        }

        return Sequential(layers.ToArray());
    }
}
