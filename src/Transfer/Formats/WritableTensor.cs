using TorchSharp;

namespace Transfer.Formats;

/// <summary>
/// What a writer needs of one tensor: name, dtype, shape, byte count and a way to stream its contiguous
/// little-endian bytes, so live tensors and still-unread checkpoint tensors are written the same way.
/// </summary>
internal sealed record WritableTensor(string Name, DType DType, long[] Shape, long ByteCount, Action<Stream> WriteBytes)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => checked(a * b));

    public static WritableTensor From(string name, torch.Tensor tensor)
    {
        DType dtype = DType.Of(tensor, name);
        long[] shape = tensor.shape;
        return new WritableTensor(name, dtype, shape, checked(tensor.numel() * dtype.Size), s => TensorBytes.Write(tensor, s));
    }

    public static WritableTensor From(string name, CheckpointTensor tensor) =>
        new(name, DType.FromName(tensor.Spec.DType)!, [.. tensor.Spec.Shape], tensor.ByteCount, tensor.WriteTo);
}
