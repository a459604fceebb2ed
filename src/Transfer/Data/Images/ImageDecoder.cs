using SkiaSharp;
using Transfer.IO;

namespace Transfer.Data.Images;

/// <summary>
/// Decodes one image file: PNG, JPEG, BMP, GIF (first frame) and WebP through SkiaSharp (Skia's maintained
/// decoders, already shipped with the package for plots), binary PGM/PPM through <see cref="NetpbmImage"/>
/// (Skia has no Netpbm decoder). The format is recognised by the file's first bytes, never its extension.
/// EXIF orientation is applied (<see cref="ExifOrientation"/>). Every failure is a
/// <see cref="DataFormatException"/> naming the file: unreadable, not an image, truncated, too large.
/// </summary>
internal static class ImageDecoder
{
    /// <summary>File name extensions an image folder reads (case-insensitive); other files are ignored.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".pgm", ".ppm"];

    /// <summary>
    /// The largest image decoded, in pixels (8192 × 8192): a file's claimed size is checked against it before
    /// anything is allocated, so a crafted header cannot make the loader allocate gigabytes.
    /// </summary>
    public const long MaxPixels = 8192L * 8192;

    /// <summary>Decodes <paramref name="path"/>.</summary>
    public static RawImage Decode(string path)
    {
        if (RegularFile.Problem(path) is string problem)
        {
            throw new DataFormatException(path, problem);
        }

        if (IsNetpbm(path))
        {
            NetpbmImage netpbm = NetpbmImage.Read(path);
            return new RawImage(netpbm.Width, netpbm.Height, netpbm.Channels, netpbm.MaxValue, netpbm.Pixels);
        }

        return DecodeWithSkia(path);
    }

    /// <summary>Whether the file starts like a Netpbm image (<c>P</c> and a digit).</summary>
    private static bool IsNetpbm(string path)
    {
        Span<byte> head = stackalloc byte[2];
        using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return stream.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && head[0] == (byte)'P' && head[1] is >= (byte)'1' and <= (byte)'7';
    }

    private static unsafe RawImage DecodeWithSkia(string path)
    {
        using SKCodec? codec = SKCodec.Create(path, out SKCodecResult opened);
        if (codec is null)
        {
            throw new DataFormatException(path, opened switch
            {
                SKCodecResult.IncompleteInput => "is truncated (the header ends early)",
                SKCodecResult.Unimplemented => "not a PNG, JPEG, BMP, GIF, WebP or binary PGM/PPM image (unrecognised format)",
                _ => $"not a PNG, JPEG, BMP, GIF, WebP or binary PGM/PPM image (the decoder says: {opened})",
            });
        }

        SKImageInfo info = codec.Info;
        long pixels = (long)info.Width * info.Height;
        if (info.Width < 1 || info.Height < 1 || pixels > MaxPixels)
        {
            throw new DataFormatException(path, $"is {info.Width}x{info.Height} pixels; images up to {MaxPixels} pixels are read");
        }

        bool gray = info.ColorType == SKColorType.Gray8;
        SKImageInfo target = new(info.Width, info.Height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, gray ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        byte[] buffer = new byte[checked(pixels * target.BytesPerPixel)];
        SKCodecResult result;
        fixed (byte* p = buffer)
        {
            result = codec.GetPixels(target, (IntPtr)p);
        }

        if (result != SKCodecResult.Success)
        {
            throw new DataFormatException(path, result == SKCodecResult.IncompleteInput
                ? "is truncated (the image data ends early)"
                : $"could not be decoded (the decoder says: {result})");
        }

        byte[] samples = gray ? buffer : DropAlpha(buffer, pixels);
        RawImage raw = new(info.Width, info.Height, gray ? 1 : 3, 255, samples);
        return ExifOrientation.Apply(raw, (int)codec.EncodedOrigin);
    }

    private static byte[] DropAlpha(byte[] rgba, long pixels)
    {
        byte[] rgb = new byte[pixels * 3];
        for (long i = 0; i < pixels; i++)
        {
            rgb[i * 3] = rgba[i * 4];
            rgb[(i * 3) + 1] = rgba[(i * 4) + 1];
            rgb[(i * 3) + 2] = rgba[(i * 4) + 2];
        }

        return rgb;
    }
}
