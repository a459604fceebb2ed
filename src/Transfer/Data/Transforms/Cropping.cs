using Transfer.Data.Images;

namespace Transfer.Data.Transforms;

/// <summary>The crops of torchvision's <c>CenterCrop</c> and <c>RandomResizedCrop</c>, same arithmetic (Python's round-half-even).</summary>
internal static class Cropping
{
    /// <summary>
    /// The region <paramref name="top"/>, <paramref name="left"/>, <paramref name="height"/> × <paramref name="width"/>;
    /// pixels outside the image are 0 (torchvision pads a center crop larger than the image with zeros).
    /// </summary>
    public static PlanarImage Crop(PlanarImage image, int top, int left, int height, int width)
    {
        if (top == 0 && left == 0 && height == image.Height && width == image.Width)
        {
            return image;
        }

        float[] result = new float[image.Channels * height * width];
        for (int ch = 0; ch < image.Channels; ch++)
        {
            for (int y = 0; y < height; y++)
            {
                int sy = top + y;
                if (sy < 0 || sy >= image.Height)
                {
                    continue;
                }

                for (int x = 0; x < width; x++)
                {
                    int sx = left + x;
                    if (sx >= 0 && sx < image.Width)
                    {
                        result[(((ch * height) + y) * width) + x] = image.Data[(((ch * image.Height) + sy) * image.Width) + sx];
                    }
                }
            }
        }

        return new PlanarImage(image.Channels, height, width, result);
    }

    /// <summary>torchvision's <c>center_crop</c>: a centred <paramref name="size"/> square, zero-padded when the image is smaller.</summary>
    public static PlanarImage Center(PlanarImage image, int size)
    {
        int top = size > image.Height ? -((size - image.Height) / 2) : (int)Math.Round((image.Height - size) / 2.0, MidpointRounding.ToEven);
        int left = size > image.Width ? -((size - image.Width) / 2) : (int)Math.Round((image.Width - size) / 2.0, MidpointRounding.ToEven);
        return Crop(image, top, left, size, size);
    }

    /// <summary>
    /// torchvision's <c>RandomResizedCrop.get_params</c>: up to 10 tries of an area share in [scale] and a
    /// log-uniform aspect ratio in [ratio] that fits the image, then the fallback (the whole image, trimmed
    /// to the nearest allowed ratio, centred). Returns (top, left, height, width).
    /// </summary>
    public static (int Top, int Left, int Height, int Width) RandomResizedRegion(int height, int width, RandomResizedCropSpec spec, SampleRandom random)
    {
        double area = (double)height * width;
        double logMin = Math.Log(spec.RatioMin), logMax = Math.Log(spec.RatioMax);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * random.Uniform(spec.ScaleMin, spec.ScaleMax);
            double aspect = Math.Exp(random.Uniform(logMin, logMax));
            int w = (int)Math.Round(Math.Sqrt(target * aspect), MidpointRounding.ToEven);
            int h = (int)Math.Round(Math.Sqrt(target / aspect), MidpointRounding.ToEven);
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = random.Int(0, height - h + 1);
                int left = random.Int(0, width - w + 1);
                return (top, left, h, w);
            }
        }

        double ratio = (double)width / height;
        (int fh, int fw) = ratio < spec.RatioMin
            ? ((int)Math.Round(width / spec.RatioMin, MidpointRounding.ToEven), width)
            : ratio > spec.RatioMax
                ? (height, (int)Math.Round(height * spec.RatioMax, MidpointRounding.ToEven))
                : (height, width);
        return ((height - fh) / 2, (width - fw) / 2, fh, fw);
    }
}
