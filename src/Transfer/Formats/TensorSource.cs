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

    /// <summary>
    /// Streams the contiguous row-major bytes in bounded chunks, never holding the whole tensor, so a view
    /// that repeats stored bytes (stride 0, overlaps) costs time, not memory.
    /// </summary>
    public abstract void WriteTo(Stream output);

    /// <summary>True when <see cref="CopyPart"/> can fill any byte range on its own, so one tensor can be read by several threads.</summary>
    public virtual bool HasParts => false;

    /// <summary>
    /// Fills <paramref name="destination"/> with bytes [<paramref name="start"/>, +<paramref name="count"/>) of
    /// the contiguous bytes. Returns their CRC-32 when the tensor's recorded CRC is still to be checked: the
    /// caller must then read every part and pass them all to <see cref="CheckParts"/> before using the bytes.
    /// </summary>
    public virtual unsafe uint? CopyPart(byte* destination, long start, long count) => throw new NotSupportedException();

    /// <summary>
    /// Checks the parts <see cref="CopyPart"/> read, together covering the whole tensor (any order), against
    /// the recorded CRC-32 by combining their CRCs; nothing to do when none was pending.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The bytes read differ from the ones the archive records.</exception>
    public virtual void CheckParts(IReadOnlyList<PartCrc> parts)
    {
    }

    /// <summary>
    /// The zip member holding the tensor's whole storage, one object shared by every tensor viewing that storage,
    /// so storages can be counted once; null when the format has no such member.
    /// </summary>
    public virtual RecordedCrc? Storage => null;
}

/// <summary>One part of a tensor read by <see cref="TensorSource.CopyPart"/>: its byte range and the CRC-32 it returned.</summary>
internal readonly record struct PartCrc(long Start, long Count, uint? Crc);

/// <summary>
/// A tensor stored contiguously at one place in the file (safetensors, TorchSharp, most .pt tensors);
/// <paramref name="member"/> is the zip member holding it with the CRC-32 the archive records, when there is
/// one: its bytes are checked against that CRC before any of them are used.
/// </summary>
internal sealed class ContiguousSource(TensorFile file, long offset, long length, RecordedCrc? member = null) : TensorSource
{
    /// <summary>Bytes read and then hashed at a time: well inside one core's L2 cache.</summary>
    private const int Step = 256 << 10;

    public override RecordedCrc? Storage => member;

    public override unsafe void CopyTo(byte* destination, long count)
    {
        if (count != length)
        {
            throw new InvalidOperationException($"Expected {length} bytes, asked for {count}.");
        }

        if (Pending)
        {
            // The whole member is being read anyway: check the bytes as they arrive.
            member!.Check(ReadCounting(destination, 0, length));
            return;
        }

        member?.Verify();
        file.Read(offset, destination, length);
    }

    /// <summary>
    /// Parts are read on their own with nothing left to check (no recorded CRC, or it matched), or when the
    /// tensor is its whole member: then each part's CRC-32 is computed as it is read, and
    /// <see cref="CheckParts"/> combines them into the member's.
    /// </summary>
    public override bool HasParts => member is null || member.IsVerified || member.Covers(offset, length);

    public override unsafe uint? CopyPart(byte* destination, long start, long count)
    {
        if (start < 0 || count < 0 || start > length - count)
        {
            throw new InvalidOperationException($"Bytes [{start}, {start}+{count}) are outside the tensor's {length}.");
        }

        if (Pending)
        {
            return ReadCounting(destination, start, count);
        }

        member?.Verify();
        file.Read(offset + start, destination, count);
        return null;
    }

    public override void CheckParts(IReadOnlyList<PartCrc> parts)
    {
        if (member is null || member.IsVerified)
        {
            // A part read with no CRC to compute found the member already checked; checks only ever pass once.
            return;
        }

        uint crc = 0;
        long next = 0;
        foreach (PartCrc part in parts.OrderBy(p => p.Start))
        {
            if (part.Start != next || part.Crc is not uint partCrc)
            {
                throw new InvalidOperationException($"The parts read do not cover the tensor's {length} bytes with their CRC-32s.");
            }

            crc = Crc32Combine.Combine(crc, partCrc, part.Count);
            next += part.Count;
        }

        if (next != length)
        {
            throw new InvalidOperationException($"The parts read cover {next} of the tensor's {length} bytes.");
        }

        member.Check(crc);
    }

    /// <summary>True while the tensor is exactly its zip member and that member's CRC-32 is still unchecked.</summary>
    private bool Pending => member is not null && !member.IsVerified && member.Covers(offset, length);

    /// <summary>
    /// Reads bytes [<paramref name="start"/>, +<paramref name="count"/>) into <paramref name="destination"/>
    /// in cache-sized steps and returns their CRC-32, computed over each step right after it arrived (while
    /// it is still in the core's cache), instead of in a second pass over all the bytes.
    /// </summary>
    private unsafe uint ReadCounting(byte* destination, long start, long count)
    {
        if (FoldedCrc32.IsSupported)
        {
            uint folded = 0;
            for (long done = 0; done < count; done += Step)
            {
                int n = (int)Math.Min(Step, count - done);
                file.Read(offset + start + done, destination + done, n);
                folded = FoldedCrc32.Append(folded, new ReadOnlySpan<byte>(destination + done, n));
            }

            return folded;
        }

        Crc32 crc = new();
        for (long done = 0; done < count; done += Step)
        {
            int n = (int)Math.Min(Step, count - done);
            file.Read(offset + start + done, destination + done, n);
            crc.Append(new ReadOnlySpan<byte>(destination + done, n));
        }

        return crc.GetCurrentHashAsUInt32();
    }

    public override void WriteTo(Stream output)
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
                    return;
                }
            }
        }

        if (member is not null && !member.IsVerified && whole)
        {
            Crc32 crc = new();
            file.CopyTo(offset, length, output, crc);
            member.Check(crc.GetCurrentHashAsUInt32());
            return;
        }

        member?.Verify();
        file.CopyTo(offset, length, output);
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
    private const int Chunk = 1 << 20;

    public override RecordedCrc? Storage => member;

    public override unsafe void CopyTo(byte* destination, long length)
    {
        using TensorFile.Lease lease = file.Use();
        member?.Verify();
        byte* storage = file.MapPointer() + storageOffset;
        byte* output = destination;
        foreach (var (start, count, stride) in Runs())
        {
            if (stride == 1)
            {
                long bytes = count * elementSize;
                Buffer.MemoryCopy(storage + (start * elementSize), output, bytes, bytes);
                output += bytes;
                continue;
            }

            for (long i = 0; i < count; i++)
            {
                Buffer.MemoryCopy(storage + ((start + (i * stride)) * elementSize), output, elementSize, elementSize);
                output += elementSize;
            }
        }
    }

    public override unsafe void WriteTo(Stream output)
    {
        using TensorFile.Lease lease = file.Use();
        member?.Verify();
        byte* storage = file.MapPointer() + storageOffset;
        byte[] chunk = new byte[Chunk];
        int filled = 0;
        fixed (byte* buffer = chunk)
        {
            foreach (var (start, count, stride) in Runs())
            {
                for (long i = 0; i < count;)
                {
                    if (filled + elementSize > Chunk)
                    {
                        output.Write(chunk, 0, filled);
                        filled = 0;
                    }

                    if (stride == 1)
                    {
                        long take = Math.Min(count - i, (Chunk - filled) / elementSize);
                        long bytes = take * elementSize;
                        Buffer.MemoryCopy(storage + ((start + i) * elementSize), buffer + filled, bytes, bytes);
                        filled += (int)bytes;
                        i += take;
                    }
                    else if (stride == 0)
                    {
                        // One element repeated: copy it once, then double the copied run until the chunk is full.
                        long take = Math.Min(count - i, (Chunk - filled) / elementSize);
                        long total = take * elementSize;
                        byte* run = buffer + filled;
                        Buffer.MemoryCopy(storage + (start * elementSize), run, elementSize, elementSize);
                        for (long done = elementSize; done < total;)
                        {
                            long n = Math.Min(done, total - done);
                            Buffer.MemoryCopy(run, run + done, n, n);
                            done += n;
                        }

                        filled += (int)total;
                        i += take;
                    }
                    else
                    {
                        Buffer.MemoryCopy(storage + ((start + (i * stride)) * elementSize), buffer + filled, elementSize, elementSize);
                        filled += elementSize;
                        i++;
                    }
                }
            }
        }

        output.Write(chunk, 0, filled);
    }

    /// <summary>The tensor's elements in row-major order, as runs along the last dimension: first element, count, stride.</summary>
    private IEnumerable<(long Start, long Count, long Stride)> Runs()
    {
        int rank = sizes.Length;
        if (rank == 0)
        {
            yield return (elementOffset, 1, 1);
            yield break;
        }

        long inner = sizes[rank - 1];
        long outer = 1;
        for (int d = 0; d < rank - 1; d++)
        {
            outer *= sizes[d];
        }

        if (outer == 0 || inner == 0)
        {
            yield break;
        }

        long[] index = new long[rank];
        for (long o = 0; o < outer; o++)
        {
            file.ThrowIfDisposed();
            long start = elementOffset;
            for (int d = 0; d < rank - 1; d++)
            {
                start += index[d] * strides[d];
            }

            yield return (start, inner, strides[rank - 1]);
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
