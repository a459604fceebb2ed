using System.Text;

namespace Transfer.Formats.PyTorch;

/// <summary>
/// Reads the argument bytes that follow an opcode from a <see cref="PickleInput"/>: fixed-width operands,
/// GLOBAL's name lines, LONG1 integers and strings. Every claimed length is checked against the bytes that
/// remain and <see cref="Unpickler.MaxString"/> before anything is read; bytes and long strings of a bare
/// pickle are left in the file (<see cref="PickleBytes"/>, <see cref="PickleText"/>) instead of read.
/// </summary>
internal sealed class PickleArguments(PicklePart part, PickleInput input)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>The next <paramref name="count"/> bytes, valid until the next read; a pickle that ends first is refused.</summary>
    public ReadOnlySpan<byte> Take(int count) =>
        count > input.Remaining ? throw part.Error($"ends in the middle of an opcode at offset {input.Position}") : input.Read(count);

    /// <summary>One of GLOBAL's newline-ended name lines, at most 256 bytes.</summary>
    public string Line(long at)
    {
        int end = input.IndexOf((byte)'\n', 256);
        if (end < 0)
        {
            throw part.Error($"GLOBAL at offset {at} has no name line within 256 bytes");
        }

        string text = Encoding.ASCII.GetString(input.Read(end));
        input.Read(1);
        return text;
    }

    /// <summary>LONG1: a little-endian two's-complement integer of at most 8 bytes.</summary>
    public long Long1(long at)
    {
        int n = Take(1)[0];
        if (n > 8)
        {
            throw part.Error($"LONG1 at offset {at} has {n} bytes; integers wider than 64 bits are not supported");
        }

        ReadOnlySpan<byte> bytes = Take(n);
        long value = 0;
        for (int i = n - 1; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }

        if (n is > 0 and < 8 && (bytes[n - 1] & 0x80) != 0)
        {
            value -= 1L << (8 * n);
        }

        return value;
    }

    /// <summary>A string's claimed <paramref name="length"/>, once it is known to remain and to be within <see cref="Unpickler.MaxString"/>.</summary>
    public int Length(uint length, long at) =>
        length > input.Remaining ? throw part.Error($"string at offset {at} claims {length} bytes, more than remain")
        : length > Unpickler.MaxString ? throw part.Error($"string at offset {at} claims {length} bytes, above the limit of {Unpickler.MaxString} for one string")
        : (int)length;

    public string Utf8(ReadOnlySpan<byte> bytes, long at)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw part.Error($"string at offset {at} is not valid UTF-8");
        }
    }

    /// <summary>
    /// A bare pickle's BINUNICODE string: read when it is at most <see cref="Unpickler.LongText"/> bytes (names,
    /// codes, metadata), else left in the file as <see cref="PickleText"/> (an array's data pickled as latin-1 text).
    /// </summary>
    public object Text(uint length, long at)
    {
        if (length <= Unpickler.LongText)
        {
            return Utf8(Take(Length(length, at)), at);
        }

        if (length > input.Remaining)
        {
            throw part.Error($"string at offset {at} claims {length} bytes, more than remain");
        }

        PickleText text = new(input.FileOffset, length);
        input.Skip(length);
        return text;
    }

    /// <summary>Bytes of a bare pickle, left in the file.</summary>
    public PickleBytes BytesInFile(ulong length, long at)
    {
        if (length > (ulong)input.Remaining)
        {
            throw part.Error($"bytes at offset {at} claim {length} bytes, more than remain");
        }

        PickleBytes bytes = new(input.FileOffset, (long)length);
        input.Skip((long)length);
        return bytes;
    }
}
