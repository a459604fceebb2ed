using Transfer.Formats;
using Transfer.Models;
using static TorchSharp.torch.nn;

namespace Transfer.FineTuning;

/// <summary>
/// Writes a model's state dict (parameters and buffers, in PyTorch's state-dict order) with
/// <see cref="CheckpointWriter"/>, atomically; the extension picks the format (<c>.safetensors</c> here).
/// </summary>
internal static class WeightsFile
{
    public static void Write(string path, Module model) => CheckpointWriter.Write(path, StateDictOrder.Entries(model));
}
