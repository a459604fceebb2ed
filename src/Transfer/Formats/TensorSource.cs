using Transfer.IO;

namespace Transfer.Formats;

/// <summary>
/// Where one tensor's bytes live in an open file and how to turn them into contiguous row-major bytes.
/// Readers build these from headers; nothing is read until a copy is asked for.
/// </summary>
internal abstract class TensorSource
{
    /// <summary>Fills <paramref name="destination"/> (exactly the tensor's byte count) with its contiguous bytes.</summary>
    public abstract unsafe void CopyTo(byte* destination, long length);

    /// <summary>Streams the contiguous bytes when that needs no gather; false when the caller must load.</summary>
    public virtual bool TryWriteTo(Stream output) => false;

    /// <summary>True when <see cref="CopyPart"/> can fill any byte range on its own, so one tensor can be read by several threads.</summary>
    public virtual bool HasParts => false;

    /// <summary>Fills <paramref name="destination"/> with bytes [<paramref name="start"/>, +<paramref name="count"/>) of the contiguous bytes.</summary>
    public virtual unsafe void CopyPart(byte* destination, long start, long count) => throw new NotSupportedException();
}

/// <summary>
/// A tensor stored contiguously at one place in the file (safetensors, TorchSharp, most .pt tensors);
/// <paramref name="crc"/> is the CRC-32 the file records for exactly these bytes, when it records one.
/// </summary>
internal sealed class ContiguousSource(TensorFile file, long offset, long length, uint? crc = null) : TensorSource
{
    public override unsafe void CopyTo(byte* destination, long count)
    {
        if (count != length)
        {
            throw new InvalidOperationException($"Expected {length} bytes, asked for {count}.");
        }

        file.Read(offset, destination, length);
    }

    public override bool HasParts => true;

    public override unsafe void CopyPart(byte* destination, long start, long count)
    {
        if (start < 0 || count < 0 || start > length - count)
        {
            throw new InvalidOperationException($"Bytes [{start}, {start}+{count}) are outside the tensor's {length}.");
        }

        file.Read(offset + start, destination, count);
    }

    public override bool TryWriteTo(Stream output)
    {
        using (file.Use())
        {
            if (output is IFileRangeSink sink && sink.TryCopyFrom(file.Handle, offset, length, crc))
            {
                return true;
            }
        }

        file.CopyTo(offset, length, output);
        return true;
    }
}

/// <summary>
/// A tensor that is a strided view into a larger storage (a transpose, a slice, a row): its elements are
/// gathered through offset, size and stride from the memory-mapped storage.
/// </summary>
internal sealed class StridedSource(TensorFile file, long storageOffset, int elementSize, long elementOffset,
    long[] sizes, long[] strides) : TensorSource
{
    public override unsafe void CopyTo(byte* destination, long length)
    {
        using TensorFile.Lease lease = file.Use();
        byte* storage = file.MapPointer() + storageOffset;
        int rank = sizes.Length;
        if (rank == 0)
        {
            Buffer.MemoryCopy(storage + (elementOffset * elementSize), destination, length, elementSize);
            return;
        }

        long inner = sizes[rank - 1];
        long innerStride = strides[rank - 1];
        long[] index = new long[rank];
        byte* output = destination;
        long outer = 1;
        for (int d = 0; d < rank - 1; d++)
        {
            outer *= sizes[d];
        }

        if (outer == 0 || inner == 0)
        {
            return;
        }

        for (long o = 0; o < outer; o++)
        {
            file.ThrowIfDisposed();
            long start = elementOffset;
            for (int d = 0; d < rank - 1; d++)
            {
                start += index[d] * strides[d];
            }

            if (innerStride == 1)
            {
                long bytes = inner * elementSize;
                Buffer.MemoryCopy(storage + (start * elementSize), output, bytes, bytes);
                output += bytes;
            }
            else
            {
                for (long i = 0; i < inner; i++)
                {
                    Buffer.MemoryCopy(storage + ((start + (i * innerStride)) * elementSize), output, elementSize, elementSize);
                    output += elementSize;
                }
            }

            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < sizes[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }
    }
}
