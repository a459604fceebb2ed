using TorchSharp;
using Transfer;

namespace Transfer.Tests;

/// <summary>
/// Proves the build's fix of libLibTorchSharp.so (see build/LibTorchSharpGlibcxxFix.targets): without it,
/// on a host whose libstdc++ lacks GLIBCXX_3.4.32, the first TorchSharp call throws.
/// </summary>
public sealed class TorchSharpLoadsTests
{
    [Fact]
    public void A_tensor_operation_runs_in_the_test_host()
    {
        using torch.Tensor a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using torch.Tensor b = a.matmul(a.t());
        Assert.Equal(new float[] { 5, 14, 14, 50 }, b.data<float>().ToArray());
    }

    [Fact]
    public void Auto_device_is_cuda_only_when_cuda_is_available()
    {
        torch.Device device = DeviceChoice.Resolve("auto");
        Assert.Equal(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, device.type);
        Assert.Equal(DeviceType.CPU, DeviceChoice.Resolve("cpu").type);
    }
}
