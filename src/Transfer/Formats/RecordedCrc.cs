using System.Buffers;
using System.IO.Hashing;

namespace Transfer.Formats;

/// <summary>
/// A byte range of a checkpoint (a zip member) together with the CRC-32 its file records for it. The range
/// is checked the first time any of its bytes are used: for free when the bytes are being read whole anyway
/// (<see cref="Check"/> over them), by one streamed read otherwise (<see cref="Verify"/>), so corrupt bytes
/// are refused instead of being loaded or copied on with their stale CRC.
/// </summary>
/// <remarks>Errors name the range as <c>{kind} '{name}'</c>, built only when one is raised (a state dict may have 100,000 members).</remarks>
internal sealed class RecordedCrc(TensorFile file, string kind, string name, long offset, long length, uint recorded)
{
    private const int Chunk = 1 << 20;
    private volatile bool verified;

    /// <summary>The CRC-32 the archive records (and, once checked, the bytes have).</summary>
    public uint Recorded => recorded;

    /// <summary>The byte count of the range (a storage member's size).</summary>
    public long Length => length;

    /// <summary>True when [<paramref name="start"/>, <paramref name="start"/>+<paramref name="count"/>) is exactly this range.</summary>
    public bool Covers(long start, long count) => start == offset && count == length;

    /// <summary>True once the bytes have been found to match.</summary>
    public bool IsVerified => verified;

    /// <summary>Reads the whole range once (streamed) and refuses it if its CRC-32 differs; later calls return at once.</summary>
    public void Verify()
    {
        if (verified)
        {
            return;
        }

        Crc32 crc = new();
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Chunk, Math.Max(length, 1)));
        try
        {
            long done = 0;
            while (done < length)
            {
                int want = (int)Math.Min(buffer.Length, length - done);
                int n = RandomAccess.Read(file.Handle, buffer.AsSpan(0, want), offset + done);
                if (n == 0)
                {
                    throw new CheckpointFormatException(file.Path, $"the file ended at offset {offset + done}, inside {kind} '{name}'");
                }

                crc.Append(buffer.AsSpan(0, n));
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Check(crc.GetCurrentHashAsUInt32());
    }

    /// <summary>Compares the CRC-32 of the whole range, computed by a caller that read it all, with the recorded one.</summary>
    /// <exception cref="CheckpointFormatException">They differ: the file is corrupt.</exception>
    public void Check(uint actual)
    {
        if (actual != recorded)
        {
            throw new CheckpointFormatException(file.Path,
                $"{kind} '{name}' has CRC-32 {actual:x8} but the archive records {recorded:x8} (the file is corrupt)");
        }

        verified = true;
    }
}
