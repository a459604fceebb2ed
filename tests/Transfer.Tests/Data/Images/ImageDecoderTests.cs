using SkiaSharp;
using Transfer.Data;
using Transfer.Data.Images;
using Transfer.Tests.FineTuning;

namespace Transfer.Tests.Data.Images;

public sealed class ImageDecoderTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(RepoPaths.Root, "tests", "Transfer.Tests", "Data", "Images", "Fixtures");
    private readonly string _dir = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void A_png_decodes_to_exact_rgb_samples_without_alpha()
    {
        string file = Path.Combine(_dir, "a.png");
        using (SKBitmap bitmap = PhotoFolder.Bitmap(2, 1, (x, _) => x == 0 ? new SKColor(1, 2, 3, 255) : new SKColor(250, 128, 7, 100)))
        {
            File.WriteAllBytes(file, PhotoFolder.Encode(bitmap, SKEncodedImageFormat.Png));
        }

        RawImage image = ImageDecoder.Decode(file);
        Assert.Equal((2, 1, 3, 255), (image.Width, image.Height, image.Channels, image.MaxValue));
        Assert.Equal(new byte[] { 1, 2, 3, 250, 128, 7 }, image.Pixels); // unpremultiplied: alpha dropped, colour kept
    }

    [Fact]
    public void A_grayscale_png_decodes_to_one_channel()
    {
        RawImage image = ImageDecoder.Decode(Path.Combine(Fixtures, "gray.png"));
        Assert.Equal((3, 2, 1), (image.Width, image.Height, image.Channels));
        Assert.Equal(new byte[] { 0, 50, 100, 150, 200, 250 }, image.Pixels);
    }

    [Fact]
    public void A_bmp_and_a_binary_ppm_decode_to_their_exact_samples()
    {
        RawImage bmp = ImageDecoder.Decode(Path.Combine(Fixtures, "rgb.bmp"));
        Assert.Equal((3, 2, 3), (bmp.Width, bmp.Height, bmp.Channels));
        Assert.Equal(new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0, 0, 255, 255, 255, 0, 255 }, bmp.Pixels);

        RawImage ppm = ImageDecoder.Decode(Path.Combine(Fixtures, "rgb.ppm"));
        Assert.Equal((2, 2, 3), (ppm.Width, ppm.Height, ppm.Channels));
        Assert.Equal(new byte[] { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120 }, ppm.Pixels);
    }

    [Fact]
    public void A_gif_decodes_its_first_frame_only()
    {
        RawImage gif = ImageDecoder.Decode(Path.Combine(Fixtures, "two-frames.gif"));
        Assert.Equal((4, 2, 3), (gif.Width, gif.Height, gif.Channels));
        Assert.Equal(new byte[] { 255, 0, 0 }, gif.Pixels[..3]); // red, not the second frame's green
        Assert.Equal(new byte[] { 0, 0, 255 }, gif.Pixels[9..12]);
    }

    [Fact]
    public void A_jpeg_with_exif_orientation_6_is_turned_upright()
    {
        // Stored 16x8: left half red, right half blue. Orientation 6 means "turn 90 degrees clockwise to view",
        // so the upright image is 8x16 with the red half on top.
        using SKBitmap bitmap = PhotoFolder.Bitmap(16, 8, (x, _) => x < 8 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255));
        byte[] jpeg = PhotoFolder.Encode(bitmap, SKEncodedImageFormat.Jpeg);
        string plain = Path.Combine(_dir, "plain.jpg"), turned = Path.Combine(_dir, "turned.jpg");
        File.WriteAllBytes(plain, jpeg);
        File.WriteAllBytes(turned, PhotoFolder.WithExifOrientation(jpeg, 6));

        RawImage stored = ImageDecoder.Decode(plain);
        RawImage upright = ImageDecoder.Decode(turned);
        Assert.Equal((16, 8), (stored.Width, stored.Height));
        Assert.Equal((8, 16), (upright.Width, upright.Height));
        Assert.True(IsRed(Pixel(upright, 4, 3)), "top of the upright image is red");
        Assert.True(IsBlue(Pixel(upright, 4, 12)), "bottom of the upright image is blue");
        // Turning back: upright (x, y) is stored (y, H - 1 - x).
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                Assert.Equal(Pixel(stored, y, 7 - x), Pixel(upright, x, y));
            }
        }
    }

    [Theory]
    [InlineData(2, new byte[] { 2, 1, 4, 3 })]
    [InlineData(3, new byte[] { 4, 3, 2, 1 })]
    [InlineData(4, new byte[] { 3, 4, 1, 2 })]
    [InlineData(5, new byte[] { 1, 3, 2, 4 })]
    [InlineData(6, new byte[] { 3, 1, 4, 2 })]
    [InlineData(7, new byte[] { 4, 2, 3, 1 })]
    [InlineData(8, new byte[] { 2, 4, 1, 3 })]
    public void Every_exif_orientation_maps_pixels_as_exif_transpose_does(int orientation, byte[] upright)
    {
        // Stored 2x2 [1 2 / 3 4]; expected values from PIL's ImageOps.exif_transpose.
        RawImage stored = new(2, 2, 1, 255, [1, 2, 3, 4]);
        Assert.Equal(upright, ExifOrientation.Apply(stored, orientation).Pixels);
    }

    [Fact]
    public void A_truncated_jpeg_is_reported_as_truncated()
    {
        using SKBitmap bitmap = PhotoFolder.Bitmap(64, 64, (x, y) => new SKColor((byte)(x * 4), (byte)(y * 4), 90));
        byte[] jpeg = PhotoFolder.Encode(bitmap, SKEncodedImageFormat.Jpeg);
        string file = Path.Combine(_dir, "cut.jpg");
        File.WriteAllBytes(file, jpeg[..(jpeg.Length / 2)]);

        DataFormatException e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(file));
        Assert.Equal($"{file}: is truncated (the image data ends early)", e.Message);
    }

    [Fact]
    public void A_file_that_is_no_image_is_a_one_line_error_naming_it()
    {
        string file = Path.Combine(_dir, "notes\u001b[31m.png");
        File.WriteAllText(file, "hello");

        DataFormatException e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(file));
        Assert.Equal(
            $"{Path.Combine(_dir, "notes")}\\x1b[31m.png: not a PNG, JPEG, BMP, GIF, WebP or binary PGM/PPM image (unrecognised format)",
            e.Message);
    }

    private static byte[] Pixel(RawImage image, int x, int y) =>
        image.Pixels.AsSpan(((y * image.Width) + x) * image.Channels, image.Channels).ToArray();

    private static bool IsRed(byte[] p) => p[0] > 200 && p[1] < 50 && p[2] < 50;

    private static bool IsBlue(byte[] p) => p[0] < 50 && p[1] < 50 && p[2] > 200;
}
