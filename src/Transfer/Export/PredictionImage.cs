using SkiaSharp;
using Transfer.Data;
using Transfer.Data.Images;

namespace Transfer.Export;

/// <summary>
/// One image file as the uint8 <c>[C, H, W]</c> pixels a classifier takes: PGM/PPM decoded directly, PNG and
/// JPEG through SkiaSharp; colour becomes grey (ITU-R 601 luma, as Pillow's <c>convert("L")</c>) for a
/// one-channel model, grey is repeated for a three-channel one. Images are never resized: a size the model
/// does not take is refused.
/// </summary>
internal static class PredictionImage
{
    public static (byte[] Pixels, int Height, int Width) Load(string path, int channels)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "does not exist");
        }

        string extension = Path.GetExtension(path).ToLowerInvariant();
        (byte[] rgb, int height, int width, int sourceChannels) = extension is ".pgm" or ".ppm" ? Netpbm(path) : Decoded(path);
        byte[] pixels = new byte[checked(channels * height * width)];
        int plane = height * width;
        for (int i = 0; i < plane; i++)
        {
            if (channels == 1)
            {
                pixels[i] = sourceChannels == 1 ? rgb[i] : Luma(rgb[3 * i], rgb[(3 * i) + 1], rgb[(3 * i) + 2]);
                continue;
            }

            for (int c = 0; c < channels; c++)
            {
                pixels[(c * plane) + i] = sourceChannels == 1 ? rgb[i] : rgb[(3 * i) + Math.Min(c, 2)];
            }
        }

        return (pixels, height, width);
    }

    private static byte Luma(byte r, byte g, byte b) => (byte)(((r * 299) + (g * 587) + (b * 114)) / 1000);

    private static (byte[] Pixels, int Height, int Width, int Channels) Netpbm(string path)
    {
        NetpbmImage image = NetpbmImage.Read(path);
        byte[] scaled = image.Pixels.Take(image.Width * image.Height * image.Channels)
            .Select(p => (byte)Math.Min(255, (p * 255 + (image.MaxValue / 2)) / image.MaxValue)).ToArray();
        return (scaled, image.Height, image.Width, image.Channels);
    }

    private static (byte[] Pixels, int Height, int Width, int Channels) Decoded(string path)
    {
        using SKBitmap? decoded = SKBitmap.Decode(path);
        if (decoded is null)
        {
            throw new DataFormatException(path, "is not a PNG, JPEG, PGM or PPM image");
        }

        using SKBitmap rgba = decoded.Copy(SKColorType.Rgba8888);
        ReadOnlySpan<byte> bytes = rgba.GetPixelSpan();
        int count = rgba.Width * rgba.Height;
        byte[] rgb = new byte[count * 3];
        for (int i = 0; i < count; i++)
        {
            int row = i / rgba.Width;
            int column = i % rgba.Width;
            int at = (row * rgba.RowBytes) + (column * 4);
            rgb[3 * i] = bytes[at];
            rgb[(3 * i) + 1] = bytes[at + 1];
            rgb[(3 * i) + 2] = bytes[at + 2];
        }

        return (rgb, rgba.Height, rgba.Width, 3);
    }
}
