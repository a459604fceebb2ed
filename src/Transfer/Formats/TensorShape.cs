using Transfer.Rules;

namespace Transfer.Formats;

/// <summary>
/// The one check every reader runs on a shape it found in a file, so <c>inspect</c>, <c>plan</c>,
/// <c>apply</c> and <c>convert</c> refuse the same shapes with the same sentence: at most
/// <see cref="MaxRank"/> dimensions, no negative size, and an element and byte count that fit 64-bit
/// arithmetic even when a size is zero (<c>[2^62, 2^62, 0]</c> holds no elements but would overflow any
/// product taken in order, so it is refused).
/// </summary>
internal static class TensorShape
{
    /// <summary>The most dimensions a tensor may have in any file Transfer reads or writes.</summary>
    public const int MaxRank = 64;

    /// <summary>The tensor's size in bytes, or a format error naming the file, the tensor and its shape.</summary>
    public static long ByteCount(string path, string name, DType dtype, IReadOnlyList<long> shape) =>
        TryByteCount(dtype, shape, out long bytes, out string? problem)
            ? bytes
            : throw new CheckpointFormatException(path, $"tensor '{name}' {problem}");

    /// <summary>The size in bytes, or false with what is wrong with the shape (a phrase following the tensor's name).</summary>
    public static bool TryByteCount(DType dtype, IReadOnlyList<long> shape, out long bytes, out string? problem)
    {
        bytes = 0;
        if (shape.Count > MaxRank)
        {
            problem = $"has rank {shape.Count}, above the limit of {MaxRank}";
            return false;
        }

        long product = dtype.Size;
        bool empty = false;
        foreach (long size in shape)
        {
            if (size < 0)
            {
                problem = $"has shape {TensorSpec.FormatShape(shape)}, with a negative size";
                return false;
            }

            if (size == 0)
            {
                empty = true;
            }
            else if (product > long.MaxValue / size)
            {
                problem = $"has shape {TensorSpec.FormatShape(shape)}, whose size in bytes overflows 64-bit arithmetic";
                return false;
            }
            else
            {
                product *= size;
            }
        }

        problem = null;
        bytes = empty ? 0 : product;
        return true;
    }
}
