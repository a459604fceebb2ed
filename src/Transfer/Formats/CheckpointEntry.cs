using TorchSharp;

namespace Transfer.Formats;

/// <summary>
/// One named tensor to write, either a live tensor or one still in an open checkpoint, so a merged state
/// dict can mix values computed in memory (a slice, a new head) with tensors streamed unread from files.
/// </summary>
public sealed class CheckpointEntry
{
    private CheckpointEntry(WritableTensor tensor) => Tensor = tensor;

    /// <summary>The state-dict key this entry is written under.</summary>
    public string Name => Tensor.Name;

    internal WritableTensor Tensor { get; }

    /// <summary>A live tensor (any device, any layout; it is copied to contiguous CPU bytes when written).</summary>
    public static CheckpointEntry Of(string name, torch.Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(tensor);
        return new(WritableTensor.From(name, tensor));
    }

    /// <summary>A tensor of an open checkpoint, streamed from its file when written (keep the checkpoint open).</summary>
    public static CheckpointEntry Of(string name, CheckpointTensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(tensor);
        return new(WritableTensor.From(name, tensor));
    }
}
