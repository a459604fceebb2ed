namespace Transfer.Data.Images;

/// <summary>
/// An image as the transforms and the model see it: channel-major (CHW) float32 samples scaled to [0, 1]
/// (sample / maximum value, a float32 division), with the channel count the model takes.
/// </summary>
/// <param name="Channels">Planes.</param>
/// <param name="Height">Rows.</param>
/// <param name="Width">Columns.</param>
/// <param name="Data">Channels × Height × Width samples, plane by plane.</param>
internal sealed record PlanarImage(int Channels, int Height, int Width, float[] Data)
{
    /// <summary>ITU-R BT.601 luma weights (R, G, B), used for every RGB-to-gray conversion.</summary>
    public static readonly (float R, float G, float B) Luma = (0.299f, 0.587f, 0.114f);

    /// <summary>
    /// Converts <paramref name="raw"/> to <paramref name="channels"/> planes: the same count is a plain scale;
    /// gray to RGB repeats the plane; RGB to gray is BT.601 luma computed in float32 (not rounded to 8 bits).
    /// </summary>
    public static PlanarImage From(RawImage raw, int channels)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "images convert to 1 or 3 channels");
        }

        int plane = raw.Width * raw.Height;
        float max = raw.MaxValue;
        float[] data = new float[channels * plane];
        byte[] p = raw.Pixels;
        for (int i = 0; i < plane; i++)
        {
            if (raw.Channels == 1)
            {
                float v = p[i] / max;
                for (int ch = 0; ch < channels; ch++)
                {
                    data[(ch * plane) + i] = v;
                }
            }
            else if (channels == 3)
            {
                data[i] = p[i * 3] / max;
                data[plane + i] = p[(i * 3) + 1] / max;
                data[(2 * plane) + i] = p[(i * 3) + 2] / max;
            }
            else
            {
                data[i] = (Luma.R * (p[i * 3] / max)) + (Luma.G * (p[(i * 3) + 1] / max)) + (Luma.B * (p[(i * 3) + 2] / max));
            }
        }

        return new PlanarImage(channels, raw.Height, raw.Width, data);
    }
}
