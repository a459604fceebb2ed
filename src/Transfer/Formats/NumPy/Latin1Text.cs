using System.Runtime.InteropServices;
using Transfer.Formats.PyTorch;

namespace Transfer.Formats.NumPy;

/// <summary>
/// An array's bytes as protocol 2 from Python 3 pickles them, <c>_codecs.encode(text, 'latin1')</c>, with the text
/// left in the file: in its UTF-8, a byte 0x00–0x7F stands for itself and 0x80–0xFF for two bytes (0xC2 or 0xC3,
/// then a continuation byte). <see cref="Scan"/> checks the text and counts the bytes it stands for, reading the
/// file in bounded chunks; <see cref="DecodeTo"/> decodes it when the array is read.
/// </summary>
internal sealed class Latin1Text
{
    private const int Chunk = 256 << 10;
    private readonly TensorFile file;
    private readonly PickleText text;

    private Latin1Text(TensorFile file, PickleText text, long length)
    {
        this.file = file;
        this.text = text;
        Length = length;
    }

    /// <summary>How many bytes the text stands for.</summary>
    public long Length { get; }

    /// <summary>Checks that <paramref name="text"/> is latin-1 text in UTF-8, or throws <paramref name="bad"/>'s exception for what is wrong and where.</summary>
    public static Latin1Text Scan(TensorFile file, PickleText text, Func<string, Exception> bad)
    {
        long length = 0;
        bool pending = false;
        byte[] chunk = new byte[(int)Math.Min(Chunk, text.Length)];
        for (long done = 0; done < text.Length; done += chunk.Length)
        {
            Span<byte> bytes = chunk.AsSpan(0, (int)Math.Min(chunk.Length, text.Length - done));
            file.ReadExactly(text.FileOffset + done, bytes);
            for (int i = 0; i < bytes.Length; i++)
            {
                byte b = bytes[i];
                long at = text.FileOffset + done + i;
                if (pending)
                {
                    pending = (b & 0xC0) == 0x80 ? false : throw bad($"latin-1 text is not valid UTF-8 at offset {at}");
                    length++;
                }
                else if (b < 0x80)
                {
                    length++;
                }
                else
                {
                    pending = b is 0xC2 or 0xC3 ? true
                        : b is >= 0xC4 and < 0xF5 ? throw bad($"latin-1 text has a character above U+00FF at offset {at}, which latin-1 cannot encode")
                        : throw bad($"latin-1 text is not valid UTF-8 at offset {at}");
                }
            }
        }

        return pending ? throw bad($"latin-1 text is not valid UTF-8 at offset {text.FileOffset + text.Length}") : new Latin1Text(file, text, length);
    }

    /// <summary>Writes the <see cref="Length"/> bytes the text stands for to <paramref name="destination"/>.</summary>
    public unsafe void DecodeTo(byte* destination)
    {
        byte[] chunk = new byte[(int)Math.Min(Chunk, text.Length)];
        byte* output = destination;
        int lead = -1;
        for (long done = 0; done < text.Length; done += chunk.Length)
        {
            file.ThrowIfDisposed();
            Span<byte> bytes = chunk.AsSpan(0, (int)Math.Min(chunk.Length, text.Length - done));
            file.ReadExactly(text.FileOffset + done, bytes);
            foreach (byte b in bytes)
            {
                if (lead >= 0)
                {
                    *output++ = (byte)(((lead & 0x1F) << 6) | (b & 0x3F));
                    lead = -1;
                }
                else if (b < 0x80)
                {
                    *output++ = b;
                }
                else
                {
                    lead = b;
                }
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> on the decoded bytes, held in native memory only meanwhile.</summary>
    public unsafe void WithDecoded(Action<IntPtr> action)
    {
        byte* decoded = (byte*)NativeMemory.Alloc((nuint)Math.Max(Length, 1));
        try
        {
            DecodeTo(decoded);
            action((IntPtr)decoded);
        }
        finally
        {
            NativeMemory.Free(decoded);
        }
    }
}
