using Transfer.Data.Images;

namespace Transfer.Data.Transforms;

/// <summary>
/// Bilinear resizing with antialiasing, as PIL's <c>Image.resize(BILINEAR)</c> and torchvision's
/// <c>resize(..., antialias=True)</c> compute it: a triangle filter whose support widens by the scale factor
/// when shrinking (so every source pixel contributes, no aliasing), pixel centres at +0.5, weights
/// renormalised at the borders; separable, rows first. Weights are computed in double, samples summed in
/// float32 in a fixed order, so the result is the same on every run and thread. It agrees with torchvision's
/// float tensor resize to about 1e-6.
/// </summary>
internal static class Resampler
{
    /// <summary><paramref name="image"/> resized to <paramref name="height"/> × <paramref name="width"/>.</summary>
    public static PlanarImage Resize(PlanarImage image, int height, int width)
    {
        if (height == image.Height && width == image.Width)
        {
            return image;
        }

        (int[] xStart, float[][] xWeights) = Coefficients(image.Width, width);
        (int[] yStart, float[][] yWeights) = Coefficients(image.Height, height);
        int c = image.Channels;
        float[] rows = new float[c * image.Height * width];
        for (int ch = 0; ch < c; ch++)
        {
            int src = ch * image.Height * image.Width, dst = ch * image.Height * width;
            for (int y = 0; y < image.Height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    float sum = 0;
                    float[] k = xWeights[x];
                    int at = src + (y * image.Width) + xStart[x];
                    for (int i = 0; i < k.Length; i++)
                    {
                        sum += k[i] * image.Data[at + i];
                    }

                    rows[dst + (y * width) + x] = sum;
                }
            }
        }

        float[] result = new float[c * height * width];
        for (int ch = 0; ch < c; ch++)
        {
            int src = ch * image.Height * width, dst = ch * height * width;
            for (int y = 0; y < height; y++)
            {
                float[] k = yWeights[y];
                for (int x = 0; x < width; x++)
                {
                    float sum = 0;
                    int at = src + (yStart[y] * width) + x;
                    for (int i = 0; i < k.Length; i++)
                    {
                        sum += k[i] * rows[at + (i * width)];
                    }

                    result[dst + (y * width) + x] = sum;
                }
            }
        }

        return new PlanarImage(c, height, width, result);
    }

    /// <summary>For each output index, the first source index and the normalised triangle-filter weights.</summary>
    private static (int[] Start, float[][] Weights) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterScale; // the triangle's support (1) widened when shrinking
        int[] start = new int[outSize];
        float[][] weights = new float[outSize][];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int min = Math.Max((int)(center - support + 0.5), 0);
            int max = Math.Min((int)(center + support + 0.5), inSize);
            double[] w = new double[Math.Max(max - min, 0)];
            double total = 0;
            for (int i = 0; i < w.Length; i++)
            {
                double t = Math.Abs((i + min - center + 0.5) / filterScale);
                w[i] = t < 1 ? 1 - t : 0;
                total += w[i];
            }

            start[o] = min;
            weights[o] = w.Select(v => total == 0 ? 0f : (float)(v / total)).ToArray();
        }

        return (start, weights);
    }
}
