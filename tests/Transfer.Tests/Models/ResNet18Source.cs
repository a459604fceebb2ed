using TorchSharp;
using Transfer.Formats;
using Transfer.Models;

namespace Transfer.Tests.Models;

/// <summary>A source checkpoint for image-folder runs: a 10-class, 3-channel ResNet18 drawn from a seeded generator.</summary>
internal static class ResNet18Source
{
    /// <summary>Writes the checkpoint to <paramref name="path"/> (the format follows its extension).</summary>
    public static void Write(string path, long seed)
    {
        using torch.Generator generator = new(unchecked((ulong)seed));
        using ResNet18 source = new(10, 3);
        SeededInit.Apply(source, generator);
        CheckpointWriter.Write(path, StateDictOrder.Entries(source));
    }
}
