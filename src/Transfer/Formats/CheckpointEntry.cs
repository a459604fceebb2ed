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

    /// <summary>
    /// A tensor computed only when the writer reaches it (a partial or cast copy), written and disposed
    /// before the next one is computed, so a merge holds one computed tensor at a time.
    /// </summary>
    /// <param name="spec">Its name, dtype and shape; <paramref name="produce"/> must return exactly that.</param>
    /// <param name="produce">Returns a new tensor the entry disposes once its bytes are written.</param>
    internal static CheckpointEntry Computed(Rules.TensorSpec spec, Func<torch.Tensor> produce)
    {
        DType dtype = DType.FromName(spec.DType)
            ?? throw new ArgumentException($"'{spec.Name}' has dtype {spec.DType}, which no writer supports.", nameof(spec));
        return new(new WritableTensor(spec.Name, dtype, [.. spec.Shape], checked(spec.ElementCount * dtype.Size), output =>
        {
            using torch.Tensor tensor = produce();
            if (!spec.Shape.SequenceEqual(tensor.shape) || DType.Of(tensor, spec.Name) != dtype)
            {
                throw new InvalidOperationException($"'{spec.Name}' was computed with another dtype or shape than its header declares.");
            }

            TensorBytes.Write(tensor, output);
        }));
    }
}
