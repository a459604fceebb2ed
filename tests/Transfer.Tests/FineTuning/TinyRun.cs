using TorchSharp;
using Transfer.Data;
using Transfer.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Transfer.Tests.FineTuning;

/// <summary>A tiny conv + BatchNorm + MLP model and a learnable synthetic 4-class data set for fast runs.</summary>
internal static class TinyRun
{
    public static Module<Tensor, Tensor> Model(long seed = 0)
    {
        Module<Tensor, Tensor> model = Sequential(
            ("conv", Sequential(Conv2d(1, 4, 3), BatchNorm2d(4), ReLU())),
            ("fc", Sequential(Flatten(), Linear(4 * 6 * 6, 16), ReLU(), Linear(16, 4))));
        using Generator g = new(unchecked((ulong)seed));
        SeededInit.Apply(model, g);
        return model;
    }

    /// <summary>8x8 images; the class says which quadrant is brightest.</summary>
    public static LabeledTensors Data(int count, ulong seed)
    {
        using Generator g = new(seed);
        Tensor images = torch.rand(new long[] { count, 1, 8, 8 }, generator: g);
        using Tensor quadrants = images.reshape(count, 2, 4, 2, 4).sum(new long[] { 2, 4 }).reshape(count, 4);
        Tensor labels = quadrants.argmax(1);
        return new LabeledTensors(images, labels, 4);
    }

    public static Dictionary<string, byte[]> State(Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().bytes.ToArray());

    public static string TempDir() => TestFolders.New("finetune");
}
