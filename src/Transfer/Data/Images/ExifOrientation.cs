namespace Transfer.Data.Images;

/// <summary>
/// Turns stored pixels into the upright image an EXIF orientation tag (1–8, TIFF's meaning) describes, as
/// photo viewers and PIL's <c>ImageOps.exif_transpose</c> show it: 2 mirrors, 3 turns 180°, 4 flips, 5
/// transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90° counter-clockwise. A camera held upright
/// stores 6; without honouring it the photo trains sideways.
/// </summary>
internal static class ExifOrientation
{
    /// <summary>The upright image; orientation 1 or an unknown value returns <paramref name="image"/> unchanged.</summary>
    public static RawImage Apply(RawImage image, int orientation)
    {
        if (orientation is < 2 or > 8)
        {
            return image;
        }

        int w = image.Width, h = image.Height, c = image.Channels;
        bool swap = orientation >= 5;
        int outW = swap ? h : w, outH = swap ? w : h;
        byte[] result = new byte[image.Pixels.Length];
        for (int y = 0; y < outH; y++)
        {
            for (int x = 0; x < outW; x++)
            {
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                Array.Copy(image.Pixels, ((sy * w) + sx) * c, result, ((y * outW) + x) * c, c);
            }
        }

        return image with { Width = outW, Height = outH, Pixels = result };
    }
}
