using TorchSharp;
using TorchSharp.Modules;
using Transfer.Models;

namespace Transfer.Export;

/// <summary>
/// The input shape <c>[C, H, W]</c> a built-in model takes: LeNet5/LeNet6 1×28×28, an MLP 1×28×28 when its
/// input is 784 wide (else 1×1×input), ResNet18 its input channels with dynamic height and width.
/// </summary>
public static class ModelInputShape
{
    /// <summary>Options with <paramref name="model"/>'s input shape filled in, or null when it is not a built-in model.</summary>
    public static OnnxExportOptions? Defaults(torch.nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        switch (model)
        {
            case LeNet5 or LeNet6:
                return new OnnxExportOptions { Channels = 1, Height = 28, Width = 28 };
            case Mlp:
                long input = model.modules().OfType<Linear>().First().in_features;
                return input == 28 * 28
                    ? new OnnxExportOptions { Channels = 1, Height = 28, Width = 28 }
                    : new OnnxExportOptions { Channels = 1, Height = 1, Width = checked((int)input) };
            case ResNet18:
                long channels = model.modules().OfType<Conv2d>().First().in_channels;
                return new OnnxExportOptions { Channels = checked((int)channels), Height = null, Width = null };
            default:
                return null;
        }
    }
}
