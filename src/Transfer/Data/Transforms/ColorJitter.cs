using Transfer.Data.Images;

namespace Transfer.Data.Transforms;

/// <summary>
/// torchvision's <c>ColorJitter</c> without hue: the three factors are drawn, then applied in a random order,
/// each a blend clamped to [0, 1] — brightness with black, contrast with the image's mean gray level,
/// saturation with the image's gray version (BT.601 luma; a one-channel image is left as it is).
/// </summary>
internal static class ColorJitter
{
    /// <summary>The jittered image (a new array; <paramref name="image"/> is not changed).</summary>
    public static PlanarImage Apply(PlanarImage image, ColorJitterSpec spec, SampleRandom random)
    {
        int[] order = [0, 1, 2];
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Int(0, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        double brightness = Factor(spec.Brightness, random);
        double contrast = Factor(spec.Contrast, random);
        double saturation = Factor(spec.Saturation, random);
        float[] data = (float[])image.Data.Clone();
        PlanarImage result = image with { Data = data };
        foreach (int op in order)
        {
            switch (op)
            {
                case 0 when spec.Brightness > 0:
                    Blend(data, (float)brightness, _ => 0f);
                    break;
                case 1 when spec.Contrast > 0:
                    float[] gray = Gray(result);
                    float mean = (float)gray.Average(v => (double)v);
                    Blend(data, (float)contrast, _ => mean);
                    break;
                case 2 when spec.Saturation > 0 && image.Channels == 3:
                    float[] luma = Gray(result);
                    int plane = image.Height * image.Width;
                    Blend(data, (float)saturation, i => luma[i % plane]);
                    break;
            }
        }

        return result;
    }

    private static double Factor(double range, SampleRandom random) =>
        range > 0 ? random.Uniform(Math.Max(0, 1 - range), 1 + range) : 1;

    private static void Blend(float[] data, float factor, Func<int, float> other)
    {
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = Math.Clamp((factor * data[i]) + ((1 - factor) * other(i)), 0f, 1f);
        }
    }

    private static float[] Gray(PlanarImage image)
    {
        int plane = image.Height * image.Width;
        if (image.Channels != 3)
        {
            return image.Data[..plane];
        }

        float[] gray = new float[plane];
        for (int i = 0; i < plane; i++)
        {
            gray[i] = (PlanarImage.Luma.R * image.Data[i]) + (PlanarImage.Luma.G * image.Data[plane + i]) + (PlanarImage.Luma.B * image.Data[(2 * plane) + i]);
        }

        return gray;
    }
}
