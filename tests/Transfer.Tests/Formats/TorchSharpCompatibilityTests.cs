using TorchSharp;
using Transfer.Formats;
using static TorchSharp.torch;

namespace Transfer.Tests.Formats;

/// <summary>Transfer's .dat reader and writer agree with TorchSharp's own Module.save and Module.load.</summary>
public sealed class TorchSharpCompatibilityTests
{
    private static nn.Module<Tensor, Tensor> Model() =>
        nn.Sequential(("conv", nn.Conv2d(1, 4, 3)), ("bn", nn.BatchNorm2d(4)), ("flat", nn.Flatten()), ("fc", nn.Linear(4 * 26 * 26, 10)));

    [Fact]
    public void A_file_TorchSharp_saved_reads_back_as_its_state_dict()
    {
        string path = Path.Combine(Fixture.TempFolder(), "model.dat");
        using nn.Module<Tensor, Tensor> model = Model();
        model.save(path);
        using Checkpoint checkpoint = CheckpointReader.Open(path);
        Assert.Equal("torchsharp", checkpoint.Format);
        var state = model.state_dict();
        Assert.Equal(state.Keys, checkpoint.Specs.Select(s => s.Name));
        foreach (CheckpointTensor tensor in checkpoint.Tensors)
        {
            Assert.Equal(state[tensor.Spec.Name].shape, tensor.Spec.Shape);
            using Tensor loaded = tensor.Load();
            Assert.Equal(state[tensor.Spec.Name].dtype, loaded.dtype);
            Assert.True(loaded.eq(state[tensor.Spec.Name]).all().item<bool>(), tensor.Spec.Name);
        }
    }

    [Fact]
    public void A_file_Transfer_wrote_loads_in_TorchSharp_with_the_same_values()
    {
        string path = Path.Combine(Fixture.TempFolder(), "model.dat");
        using nn.Module<Tensor, Tensor> source = Model();
        CheckpointWriter.Write(path, [.. source.state_dict().Select(kv => KeyValuePair.Create(kv.Key, kv.Value))]);
        using nn.Module<Tensor, Tensor> target = Model();
        target.load(path);
        var expected = source.state_dict();
        foreach (var (name, value) in target.state_dict())
        {
            Assert.Equal(expected[name].shape, value.shape);
            Assert.True(value.eq(expected[name]).all().item<bool>(), name);
        }
    }
}
