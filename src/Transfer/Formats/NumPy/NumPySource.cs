using System.Buffers.Binary;
using Transfer.Formats.PyTorch;

namespace Transfer.Formats.NumPy;

/// <summary>
/// The bytes of a NumPy array that are not already contiguous little-endian row-major bytes in the file: a
/// big-endian array (each item byte-swapped), a Fortran-order one (gathered into C order), or one whose data the
/// pickle held in a form that has to be decoded (<paramref name="data"/> a byte array, or <see cref="Latin1Text"/>
/// decoded into native memory for the read). Items are read from the memory-mapped file or those bytes and
/// written out in C order, in bounded chunks when streamed.
/// </summary>
internal sealed class NumPySource(TensorFile file, object data, int itemSize, long[] shape, bool fortran, bool swap) : TensorSource
{
    private const int Chunk = 1 << 20;

    private long Count => shape.Aggregate(1L, (product, size) => product * size);

    public override unsafe void CopyTo(byte* destination, long length)
    {
        if (length != Count * itemSize)
        {
            throw new InvalidOperationException($"Expected {Count * itemSize} bytes, asked for {length}.");
        }

        if (data is Latin1Text text && !fortran && !swap)
        {
            text.DecodeTo(destination);
            return;
        }

        WithItems(items => Fill(items, 0, destination, Count));
    }

    public override unsafe void WriteTo(Stream output)
    {
        long count = Count;
        int perChunk = Chunk / itemSize;
        byte[] chunk = new byte[(int)Math.Min(Chunk, Math.Max(count * itemSize, 1))];
        WithItems(items =>
        {
            fixed (byte* buffer = chunk)
            {
                for (long first = 0; first < count; first += perChunk)
                {
                    long n = Math.Min(perChunk, count - first);
                    Fill(items, first, buffer, n);
                    output.Write(chunk, 0, (int)(n * itemSize));
                }
            }
        });
    }

    private unsafe delegate void ItemsAction(byte* items);

    /// <summary>Runs <paramref name="action"/> with a pointer to the array's items as stored.</summary>
    private unsafe void WithItems(ItemsAction action)
    {
        if (data is Latin1Text text)
        {
            text.WithDecoded(decoded => action((byte*)decoded));
            return;
        }

        if (data is byte[] bytes)
        {
            fixed (byte* items = bytes)
            {
                action(items);
            }

            return;
        }

        using TensorFile.Lease lease = file.Use();
        action(file.MapPointer() + ((PickleBytes)data).FileOffset);
    }

    /// <summary>Writes items [<paramref name="first"/>, +<paramref name="count"/>) of the C-order array to <paramref name="output"/>.</summary>
    private unsafe void Fill(byte* items, long first, byte* output, long count)
    {
        if (count == 0)
        {
            return;
        }

        if (!fortran)
        {
            Copy(items + (first * itemSize), output, count);
            return;
        }

        // Fortran order: item (i0, …, iN) is stored at i0 + shape0·(i1 + shape1·(…)). Walk the C-order index from
        // `first`, keeping the stored position in step.
        int rank = shape.Length;
        long[] index = new long[rank];
        long[] step = new long[rank];
        long remaining = first;
        long at = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            index[d] = remaining % shape[d];
            remaining /= shape[d];
        }

        for (int d = 0; d < rank; d++)
        {
            step[d] = d == 0 ? 1 : step[d - 1] * shape[d - 1];
            at += index[d] * step[d];
        }

        for (long i = 0; i < count; i++)
        {
            Copy(items + (at * itemSize), output + (i * itemSize), 1);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    at += step[d];
                    break;
                }

                at -= (shape[d] - 1) * step[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>Copies <paramref name="count"/> consecutive items, byte-swapping each when the array is big-endian.</summary>
    private unsafe void Copy(byte* from, byte* to, long count)
    {
        long bytes = count * itemSize;
        if (!swap)
        {
            Buffer.MemoryCopy(from, to, bytes, bytes);
            return;
        }

        for (long i = 0; i < bytes; i += itemSize)
        {
            switch (itemSize)
            {
                case 2: BinaryPrimitives.WriteUInt16LittleEndian(new Span<byte>(to + i, 2), BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(from + i, 2))); break;
                case 4: BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(to + i, 4), BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(from + i, 4))); break;
                default: BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(to + i, 8), BinaryPrimitives.ReadUInt64BigEndian(new ReadOnlySpan<byte>(from + i, 8))); break;
            }
        }
    }
}
