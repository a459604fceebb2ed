using System.Globalization;
using System.Text.Json.Nodes;
using Transfer.Data.Images;

namespace Transfer.Data.Transforms;

/// <summary>
/// The configured <see cref="ImageTransforms"/> for a channel count: the training pipeline (every transform,
/// random ones drawn from the sample's <see cref="SampleRandom"/>) and the evaluation pipeline (resize, a
/// center crop of the crop size, normalize). Pure functions of their inputs, safe on any thread.
/// </summary>
internal sealed class TransformPipeline
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Binds <paramref name="transforms"/> to <paramref name="channels"/> (the normalisation must fit them).</summary>
    public TransformPipeline(ImageTransforms transforms, int channels)
    {
        Transforms = transforms;
        Channels = channels;
        (_mean, _std) = transforms.Normalize.For(channels)
            ?? throw new ArgumentException($"normalize has {transforms.Normalize.Mean.Count} means for {channels} channels", nameof(transforms));
    }

    /// <summary>The configuration.</summary>
    public ImageTransforms Transforms { get; }

    /// <summary>The channels images convert to.</summary>
    public int Channels { get; }

    /// <summary>The per-channel mean normalisation subtracts (0 for none).</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>The per-channel standard deviation normalisation divides by (1 for none).</summary>
    public IReadOnlyList<float> Std => _std;

    /// <summary>Whether normalisation changes the pixels (a mean other than 0 or a std other than 1).</summary>
    public bool Normalizes => !(_mean.All(m => m == 0) && _std.All(s => s == 1));

    /// <summary>
    /// The deterministic evaluation pipeline without its normalisation: resize and a center crop of the crop
    /// size, pixels left in [0, 1]; what an exported graph takes when it normalises inside (as the run did).
    /// </summary>
    public TransformPipeline Unnormalized() =>
        new(new ImageTransforms { Resize = Transforms.Resize, CenterCrop = Transforms.CropSize }, Channels);

    /// <summary>A training sample: every transform in the fixed order.</summary>
    public float[] Train(RawImage raw, SampleRandom random)
    {
        PlanarImage image = Resized(PlanarImage.From(raw, Channels));
        if (Transforms.RandomResizedCrop is { } rrc)
        {
            (int top, int left, int h, int w) = Cropping.RandomResizedRegion(image.Height, image.Width, rrc, random);
            image = Resampler.Resize(Cropping.Crop(image, top, left, h, w), rrc.Size, rrc.Size);
        }
        else if (Transforms.CenterCrop is { } size)
        {
            image = Cropping.Center(image, size);
        }

        if (Transforms.HorizontalFlip is { } p && p > 0 && random.NextDouble() < p)
        {
            image = Flip(image);
        }

        if (Transforms.ColorJitter is { } jitter)
        {
            image = ColorJitter.Apply(image, jitter, random);
        }

        return Normalized(image);
    }

    /// <summary>An evaluation sample: resize, center crop of the crop size, normalize.</summary>
    public float[] Evaluate(RawImage raw)
    {
        PlanarImage image = Resized(PlanarImage.From(raw, Channels));
        if (Transforms.CropSize is { } size)
        {
            image = Cropping.Center(image, size);
        }

        return Normalized(image);
    }

    /// <summary>The (height, width) a decoded image of <paramref name="height"/> × <paramref name="width"/> leaves the pipeline with.</summary>
    public (int Height, int Width) OutputSize(int height, int width) =>
        Transforms.CropSize is { } size ? (size, size) : ResizedSize(height, width);

    /// <summary>The training and evaluation pipelines as report.json records them.</summary>
    public JsonObject Describe() => new()
    {
        ["order"] = new JsonArray([.. ImageTransforms.Order.Select(n => (JsonNode)n)]),
        ["train"] = new JsonArray([.. Steps(training: true)]),
        ["evaluation"] = new JsonArray([.. Steps(training: false)]),
        ["interpolation"] = "bilinear, antialiased (PIL / torchvision antialias=True triangle filter)",
        ["random"] = "SplitMix64 per (seed, epoch, sample index)",
    };

    private IEnumerable<JsonNode> Steps(bool training)
    {
        ImageTransforms t = Transforms;
        if (t.Resize is { } resize)
        {
            yield return new JsonObject { ["resize"] = resize };
        }

        if (training && t.RandomResizedCrop is { } r)
        {
            yield return new JsonObject
            {
                ["random_resized_crop"] = new JsonObject
                {
                    ["size"] = r.Size,
                    ["scale"] = new JsonArray(r.ScaleMin, r.ScaleMax),
                    ["ratio"] = new JsonArray(r.RatioMin, r.RatioMax),
                    ["attempts"] = 10,
                },
            };
        }
        else if (t.CropSize is { } size)
        {
            yield return new JsonObject { ["center_crop"] = size };
        }

        if (training && t.HorizontalFlip is { } p)
        {
            yield return new JsonObject { ["horizontal_flip"] = new JsonObject { ["p"] = p } };
        }

        if (training && t.ColorJitter is { } j)
        {
            yield return new JsonObject
            {
                ["color_jitter"] = new JsonObject { ["brightness"] = j.Brightness, ["contrast"] = j.Contrast, ["saturation"] = j.Saturation },
            };
        }

        yield return new JsonObject
        {
            ["normalize"] = new JsonObject
            {
                ["preset"] = t.Normalize.Name,
                ["mean"] = new JsonArray([.. _mean.Select(v => (JsonNode)JsonValue.Create(Round(v)))]),
                ["std"] = new JsonArray([.. _std.Select(v => (JsonNode)JsonValue.Create(Round(v)))]),
            },
        };
    }

    private static double Round(float v) => double.Parse(v.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private PlanarImage Resized(PlanarImage image)
    {
        (int h, int w) = ResizedSize(image.Height, image.Width);
        return Resampler.Resize(image, h, w);
    }

    /// <summary>torchvision's shorter-side rule: the short side becomes the size, the long side int(size × long / short).</summary>
    private (int Height, int Width) ResizedSize(int height, int width)
    {
        if (Transforms.Resize is not { } size)
        {
            return (height, width);
        }

        return height <= width
            ? (size, (int)((double)((long)size * width) / height))
            : ((int)((double)((long)size * height) / width), size);
    }

    private float[] Normalized(PlanarImage image)
    {
        float[] data = image.Data;
        if (!Normalizes)
        {
            return data;
        }

        float[] result = new float[data.Length];
        int plane = image.Height * image.Width;
        for (int i = 0; i < data.Length; i++)
        {
            int ch = i / plane;
            result[i] = (data[i] - _mean[ch]) / _std[ch];
        }

        return result;
    }

    private static PlanarImage Flip(PlanarImage image)
    {
        float[] result = new float[image.Data.Length];
        for (int row = 0; row < image.Channels * image.Height; row++)
        {
            int at = row * image.Width;
            for (int x = 0; x < image.Width; x++)
            {
                result[at + x] = image.Data[at + image.Width - 1 - x];
            }
        }

        return image with { Data = result };
    }
}
