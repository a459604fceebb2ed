using System.IO.Hashing;
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
/// <paramref name="member"/> is the zip member holding it with the CRC-32 the archive records, when there is
/// one: its bytes are checked against that CRC before any of them are used.
/// </summary>
internal sealed class ContiguousSource(TensorFile file, long offset, long length, RecordedCrc? member = null) : TensorSource
{
    public override unsafe void CopyTo(byte* destination, long count)
    {
        if (count != length)
        {
            throw new InvalidOperationException($"Expected {length} bytes, asked for {count}.");
        }

        if (member is not null && !member.IsVerified && member.Covers(offset, length))
        {
            // The whole member is being read anyway: check the bytes just read.
            file.Read(offset, destination, length);
            member.Check(RecordedCrc.Of(destination, length));
            return;
        }

        member?.Verify();
        file.Read(offset, destination, length);
    }

    /// <summary>
    /// Parts are read on their own once nothing is left to check: with no recorded CRC, or once it matched.
    /// Until then a whole read is cheaper, as it checks the CRC over the bytes it reads anyway.
    /// </summary>
    public override bool HasParts => member is null || member.IsVerified;

    public override unsafe void CopyPart(byte* destination, long start, long count)
    {
        if (start < 0 || count < 0 || start > length - count)
        {
            throw new InvalidOperationException($"Bytes [{start}, {start}+{count}) are outside the tensor's {length}.");
        }

        member?.Verify();
        file.Read(offset + start, destination, count);
    }

    public override bool TryWriteTo(Stream output)
    {
        bool whole = member is not null && member.Covers(offset, length);
        if (output is IFileRangeSink sink && length > 0)
        {
            // The kernel copy never shows the bytes to this process, so they are read and checked first (once).
            member?.Verify();
            using (file.Use())
            {
                if (sink.TryCopyFrom(file.Handle, offset, length, whole ? member!.Recorded : null))
                {
                    return true;
                }
            }
        }

        if (member is not null && !member.IsVerified && whole)
        {
            Crc32 crc = new();
            file.CopyTo(offset, length, output, crc);
            member.Check(crc.GetCurrentHashAsUInt32());
            return true;
        }

        member?.Verify();
        file.CopyTo(offset, length, output);
        return true;
    }
}

/// <summary>
/// A tensor that is a strided view into a larger storage (a transpose, a slice, a row): its elements are
/// gathered through offset, size and stride from the memory-mapped storage, once the storage's zip member
/// (<paramref name="member"/>, when it has one) has matched its recorded CRC-32.
/// </summary>
internal sealed class StridedSource(TensorFile file, long storageOffset, int elementSize, long elementOffset,
    long[] sizes, long[] strides, RecordedCrc? member = null) : TensorSource
{
    public override unsafe void CopyTo(byte* destination, long length)
    {
        using TensorFile.Lease lease = file.Use();
        member?.Verify();
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
