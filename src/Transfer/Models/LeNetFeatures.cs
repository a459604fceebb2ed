using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Transfer.Models;

/// <summary>The convolutional trunk LeNet5 and LeNet6 share, so both name it identically.</summary>
internal static class LeNetFeatures
{
    /// <summary>Conv2d(1,6,5,padding=2), ReLU, MaxPool2d(2), Conv2d(6,16,5), ReLU, MaxPool2d(2): 1×28×28 → 16×5×5.</summary>
    public static Module<Tensor, Tensor> Create() =>
        Sequential(
            Conv2d(1, 6, 5, padding: 2),
            ReLU(),
            MaxPool2d(2),
            Conv2d(6, 16, 5),
            ReLU(),
            MaxPool2d(2));
}
