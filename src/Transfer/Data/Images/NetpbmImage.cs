using System.Globalization;

using Transfer.Data;
using Transfer.IO;

namespace Transfer.Data.Images;

/// <summary>
/// A binary Netpbm image: PGM (<c>P5</c>, one channel) or PPM (<c>P6</c>, three channels), 8-bit samples.
/// Chosen for image folders because it decodes in a few lines with no native library, and any tool
/// (Pillow, ImageMagick, netpbm) writes it.
/// </summary>
internal sealed record NetpbmImage(int Channels, int Width, int Height, int MaxValue, byte[] Pixels)
{
    /// <summary>Decodes <paramref name="path"/>; anything else than 8-bit P5/P6 is a one-line error.</summary>
    public static NetpbmImage Read(string path)
    {
        if (RegularFile.Problem(path) is string problem)
        {
            throw new DataFormatException(path, problem);
        }

        byte[] bytes = File.ReadAllBytes(path);
        int pos = 0;
        string magic = Token(bytes, ref pos, path);
        int channels = magic switch
        {
            "P5" => 1,
            "P6" => 3,
            _ => throw new DataFormatException(path, $"not a binary PGM/PPM image (magic '{magic}', expected P5 or P6)"),
        };
        int width = Number(bytes, ref pos, path, "width");
        int height = Number(bytes, ref pos, path, "height");
        int max = Number(bytes, ref pos, path, "maximum value");
        if (max is < 1 or > 255)
        {
            throw new DataFormatException(path, $"maximum value {max} is not 1..255 (16-bit images are not supported)");
        }

        pos++; // the single whitespace byte after the header
        long size = (long)width * height * channels;
        if (width < 1 || height < 1 || bytes.Length - pos < size)
        {
            throw new DataFormatException(path, $"{width}x{height}x{channels} pixels need {size} bytes, the file has {Math.Max(0, bytes.Length - pos)}");
        }

        return new NetpbmImage(channels, width, height, max, bytes.AsSpan(pos, (int)size).ToArray());
    }

    private static int Number(byte[] bytes, ref int pos, string path, string what)
    {
        string token = Token(bytes, ref pos, path);
        return int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new DataFormatException(path, $"bad {what} '{token}' in the header");
    }

    private static string Token(byte[] bytes, ref int pos, string path)
    {
        while (pos < bytes.Length && (char.IsWhiteSpace((char)bytes[pos]) || bytes[pos] == '#'))
        {
            if (bytes[pos] == '#')
            {
                while (pos < bytes.Length && bytes[pos] != '\n')
                {
                    pos++;
                }
            }
            else
            {
                pos++;
            }
        }

        int start = pos;
        while (pos < bytes.Length && !char.IsWhiteSpace((char)bytes[pos]) && pos - start < 16)
        {
            pos++;
        }

        return pos > start
            ? System.Text.Encoding.ASCII.GetString(bytes, start, pos - start)
            : throw new DataFormatException(path, "the header ends early");
    }
}
