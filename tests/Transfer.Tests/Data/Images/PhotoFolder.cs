using SkiaSharp;

namespace Transfer.Tests.Data.Images;

/// <summary>
/// Writes image files for tests (and bench/Loader.Bench): JPEG and PNG "photos" of mixed sizes, one colour
/// pattern per class so a model can learn them, made with SkiaSharp's encoders; and JPEGs carrying an EXIF
/// orientation tag (SkiaSharp writes no EXIF, so the APP1 segment is built here byte by byte).
/// </summary>
internal static class PhotoFolder
{
    /// <summary>
    /// <paramref name="root"/>/train/&lt;class&gt;/ with <paramref name="perClass"/> images per class, alternately
    /// JPEG and PNG, sizes between <paramref name="minSide"/> and twice that, landscape and portrait.
    /// </summary>
    public static void Create(string root, IReadOnlyList<string> classes, int perClass, int minSide, int seed = 0)
    {
        Random random = new(seed);
        for (int label = 0; label < classes.Count; label++)
        {
            string dir = Path.Combine(root, "train", classes[label]);
            Directory.CreateDirectory(dir);
            for (int i = 0; i < perClass; i++)
            {
                int w = minSide + random.Next(minSide + 1), h = minSide + random.Next(minSide + 1);
                using SKBitmap bitmap = Pattern(w, h, label, random);
                bool jpeg = i % 2 == 0;
                File.WriteAllBytes(Path.Combine(dir, $"{i:D3}.{(jpeg ? "jpg" : "png")}"), Encode(bitmap, jpeg ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png));
            }
        }
    }

    /// <summary>A bitmap whose every pixel is <paramref name="colour"/>(x, y).</summary>
    public static SKBitmap Bitmap(int width, int height, Func<int, int, SKColor> colour)
    {
        SKBitmap bitmap = new(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, colour(x, y));
            }
        }

        return bitmap;
    }

    /// <summary>The encoded bytes (JPEG at quality 95).</summary>
    public static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format)
    {
        using SKData data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    /// <summary>
    /// <paramref name="jpeg"/> with an EXIF APP1 segment right after SOI whose only tag is Orientation
    /// (0x0112, SHORT) = <paramref name="orientation"/>, in a big-endian TIFF header.
    /// </summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // header, IFD0 at offset 8
            0x00, 0x01, // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, (byte)(orientation >> 8), (byte)orientation, 0x00, 0x00, // Orientation
            0x00, 0x00, 0x00, 0x00, // no next IFD
        ];
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        int length = payload.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }

    private static SKBitmap Pattern(int w, int h, int label, Random random)
    {
        // Class 0: red-dominant horizontal bands; 1: green vertical bands; 2: blue checks; noise on top.
        int period = 4 + random.Next(4);
        return Bitmap(w, h, (x, y) =>
        {
            bool on = label switch
            {
                0 => y / period % 2 == 0,
                1 => x / period % 2 == 0,
                _ => ((x / period) + (y / period)) % 2 == 0,
            };
            byte hi = (byte)(on ? 200 : 60), lo = (byte)(30 + ((x * 7 + y * 13) % 40));
            return label switch
            {
                0 => new SKColor(hi, lo, lo),
                1 => new SKColor(lo, hi, lo),
                _ => new SKColor(lo, lo, hi),
            };
        });
    }
}
