using Transfer.Data;
using Transfer.Data.Images;

namespace Transfer.Export;

/// <summary>
/// One image file as the uint8 <c>[C, H, W]</c> pixels a classifier takes, decoded by the data loader's
/// <see cref="ImageDecoder"/> (PNG, JPEG, BMP, GIF, WebP, PGM/PPM; EXIF orientation applied); colour becomes
/// grey (ITU-R 601 luma rounded to 8 bits, as Pillow's <c>convert("L")</c>) for a one-channel model, grey is
/// repeated for a three-channel one. Images are never resized: a size the model
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

        (byte[] rgb, int height, int width, int sourceChannels) = Decoded(path);
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

    /// <summary>The file through the data loader's decoder (EXIF orientation applied), samples rescaled to 0..255.</summary>
    private static (byte[] Pixels, int Height, int Width, int Channels) Decoded(string path)
    {
        RawImage image = ImageDecoder.Decode(path);
        byte[] samples = image.MaxValue == 255
            ? image.Pixels
            : [.. image.Pixels.Select(p => (byte)Math.Min(255, ((p * 255) + (image.MaxValue / 2)) / image.MaxValue))];
        return (samples, image.Height, image.Width, image.Channels);
    }
}
