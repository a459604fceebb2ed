using TorchSharp;

namespace Transfer;

/// <summary>Picks the device to compute on, so no caller hard-codes CPU or CUDA.</summary>
public static class DeviceChoice
{
    /// <summary>
    /// Resolves a device name: <c>auto</c> (or null) means <c>cuda</c> when a CUDA device is available and
    /// <c>cpu</c> otherwise; <c>gpu</c> means <c>cuda</c>; any other value is passed to TorchSharp as it is
    /// (<c>cpu</c>, <c>cuda:1</c>).
    /// </summary>
    public static torch.Device Resolve(string? name = "auto")
    {
        if (string.IsNullOrEmpty(name) || name == "auto")
        {
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        }

        if (name == "gpu")
        {
            return torch.CUDA;
        }

        return torch.device(name);
    }

    /// <summary>A device as reports write it: <c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>.</summary>
    internal static string Name(torch.Device device) =>
        device.index >= 0
            ? $"{device.type.ToString().ToLowerInvariant()}:{device.index}"
            : device.type.ToString().ToLowerInvariant();
}
