namespace Transfer.Formats.PyTorch;

/// <summary>
/// A pickle read straight from its file through a 64 KiB window, so reading one never allocates the size a
/// zip member or a legacy stream merely claims: memory follows what the opcodes build, and a pickle of
/// garbage fails at its first bad byte. Positions are relative to the pickle's first byte.
/// </summary>
internal sealed class PickleInput
{
    private const int Window = 1 << 16;
    private readonly TensorFile file;
    private readonly long start;
    private readonly byte[] buffer = new byte[Window];
    private long bufferAt;
    private int bufferCount;

    /// <summary>The <paramref name="length"/> bytes of <paramref name="file"/> from <paramref name="start"/>.</summary>
    public PickleInput(TensorFile file, long start, long length)
    {
        this.file = file;
        this.start = start;
        Length = length;
    }

    /// <summary>How many bytes the pickle (or, for a legacy stream, the pickles and what follows) may use.</summary>
    public long Length { get; }

    public long Position { get; private set; }

    public long Remaining => Length - Position;

    /// <summary>Where the next byte is in the file.</summary>
    public long FileOffset => start + Position;

    /// <summary>Moves past <paramref name="count"/> bytes without reading them (the caller checked they remain).</summary>
    public void Skip(long count) => Position += count;

    /// <summary>The next <paramref name="count"/> bytes (the caller checked they remain); valid until the next read.</summary>
    public ReadOnlySpan<byte> Read(int count)
    {
        ReadOnlySpan<byte> bytes = Peek(count);
        Position += count;
        return bytes;
    }

    /// <summary>Where <paramref name="value"/> first occurs within the next <paramref name="within"/> bytes, or -1.</summary>
    public int IndexOf(byte value, int within) => Peek((int)Math.Min(within, Remaining)).IndexOf(value);

    private ReadOnlySpan<byte> Peek(int count)
    {
        if (count > Window)
        {
            // Only a string may be this long, and its length was checked against the bytes that remain.
            return file.ReadBytes(start + Position, count);
        }

        if (Position < bufferAt || Position + count > bufferAt + bufferCount)
        {
            bufferAt = Position;
            bufferCount = (int)Math.Min(Window, Remaining);
            file.ReadExactly(start + Position, buffer.AsSpan(0, bufferCount));
        }

        return buffer.AsSpan((int)(Position - bufferAt), count);
    }
}
