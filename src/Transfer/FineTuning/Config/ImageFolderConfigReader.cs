using System.Globalization;
using Transfer.Data.Images;
using Transfer.Data.Transforms;
using Transfer.Rules.Yaml;
using YamlDotNet.RepresentationModel;

namespace Transfer.FineTuning.Config;

/// <summary>
/// The image-folder keys of the <c>data:</c> section — <c>transforms</c>, <c>on_bad_image</c>, <c>workers</c> —
/// and the <c>validation:</c> section, each mistake a positioned one-line error with a did-you-mean.
/// </summary>
internal static class ImageFolderConfigReader
{
    /// <summary>The <c>validation:</c> section's keys.</summary>
    public static readonly string[] ValidationKeys = ["split"];

    private static readonly string[] CropKeys = ["size"];
    private static readonly string[] RandomCropKeys = ["size", "scale", "ratio"];
    private static readonly string[] FlipKeys = ["p"];
    private static readonly string[] JitterKeys = ["brightness", "contrast", "saturation"];
    private static readonly string[] NormalizeKeys = ["mean", "std"];

    private static readonly Dictionary<string, BadImagePolicy> Policies = new()
    {
        ["skip"] = BadImagePolicy.Skip,
        ["error"] = BadImagePolicy.Error,
    };

    /// <summary>
    /// Refuses the old <c>data.val_split</c> key, pointing to <c>validation.split</c>, before the section's
    /// unknown-key check would give a vaguer message.
    /// </summary>
    public static void RefuseOldSplitKey(YamlSource document, YamlNode? data)
    {
        if (data is YamlMappingNode mapping
            && mapping.Children.Keys.FirstOrDefault(k => k is YamlScalarNode { Value: "val_split" }) is { } key)
        {
            throw document.Fail(key, "'data.val_split' is now 'validation.split' (a top-level section: validation: { split: 0.1 })");
        }
    }

    /// <summary><c>data.on_bad_image</c>: skip (the default) or error.</summary>
    public static BadImagePolicy OnBadImage(ConfigSection data) => data.Choice("on_bad_image", BadImagePolicy.Skip, Policies);

    /// <summary><c>data.workers</c>: decoding threads, or null (auto) when absent or <c>auto</c>.</summary>
    public static int? Workers(ConfigSection data) =>
        data.Get("workers") is null || data.String("workers") == "auto" ? null : data.Int("workers", 1, 1);

    /// <summary>The <c>data.transforms:</c> mapping (<see cref="ImageTransforms.None"/> when absent).</summary>
    public static ImageTransforms Transforms(YamlSource document, ConfigSection data)
    {
        if (data.Section("transforms", ImageTransforms.Order) is not { } t)
        {
            return ImageTransforms.None;
        }

        List<string> keys = [.. t.Keys];
        for (int i = 1; i < keys.Count; i++)
        {
            int before = ImageTransforms.Order.ToList().IndexOf(keys[i - 1]);
            if (ImageTransforms.Order.ToList().IndexOf(keys[i]) < before)
            {
                throw t.Fail(t.Get(keys[i])!, $"'{t.Sub(keys[i])}' comes before '{keys[i - 1]}': transforms apply in the order {string.Join(", ", ImageTransforms.Order)}, so write them in that order");
            }
        }

        if (t.Get("center_crop") is not null && t.Get("random_resized_crop") is { } both)
        {
            throw t.Fail(both, $"'{t.Path}' takes center_crop or random_resized_crop, not both (evaluation always center-crops to the crop size)");
        }

        return new ImageTransforms
        {
            Resize = Size(document, t, "resize"),
            CenterCrop = Size(document, t, "center_crop"),
            RandomResizedCrop = RandomCrop(document, t),
            HorizontalFlip = Probability(document, t),
            ColorJitter = Jitter(document, t),
            Normalize = Normalize(document, t),
        };
    }

    /// <summary><c>validation.split</c>: a fraction in [0, 1), or null when not given.</summary>
    public static double? Split(ConfigSection? validation)
    {
        if (validation?.Get("split") is not { } node)
        {
            return null;
        }

        double split = validation.Double("split", 0);
        return split < 1
            ? split
            : throw validation.Fail(node, $"'{validation.Sub("split")}' must be a fraction below 1, got '{split.ToString(CultureInfo.InvariantCulture)}'");
    }

    /// <summary>A size as a bare integer or <c>{ size: N }</c>.</summary>
    private static int? Size(YamlSource document, ConfigSection t, string key)
    {
        if (t.Get(key) is not { } node)
        {
            return null;
        }

        return node is YamlMappingNode
            ? RequiredSize(ConfigSection.Open(document, node, t.Sub(key), CropKeys))
            : t.Int(key, 0, 1);
    }

    private static int RequiredSize(ConfigSection s) =>
        s.Get("size") is null ? throw s.Fail(s.Node, $"'{s.Path}' needs 'size'") : s.Int("size", 0, 1);

    private static RandomResizedCropSpec? RandomCrop(YamlSource document, ConfigSection t)
    {
        if (t.Get("random_resized_crop") is not { } node)
        {
            return null;
        }

        if (node is not YamlMappingNode)
        {
            return new RandomResizedCropSpec(t.Int("random_resized_crop", 0, 1), 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
        }

        ConfigSection s = ConfigSection.Open(document, node, t.Sub("random_resized_crop"), RandomCropKeys);
        (double scaleMin, double scaleMax) = Range(s, "scale", (0.08, 1.0), max: 1);
        (double ratioMin, double ratioMax) = Range(s, "ratio", (3.0 / 4.0, 4.0 / 3.0), max: double.MaxValue);
        return new RandomResizedCropSpec(RequiredSize(s), scaleMin, scaleMax, ratioMin, ratioMax);
    }

    /// <summary>A <c>[low, high]</c> pair with 0 &lt; low &lt;= high &lt;= max.</summary>
    private static (double Low, double High) Range(ConfigSection s, string key, (double, double) fallback, double max)
    {
        if (s.Get(key) is not { } node)
        {
            return fallback;
        }

        double[] values = [.. s.Sequence(key).Select(item => item is YamlScalarNode { Value: { } text }
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : double.NaN)];
        if (values.Length != 2 || values.Any(double.IsNaN) || values[0] <= 0 || values[0] > values[1] || values[1] > max)
        {
            string bound = max == 1 ? " <= 1" : string.Empty;
            throw s.Fail(node, $"'{s.Sub(key)}' must be [low, high] with 0 < low <= high{bound}");
        }

        return (values[0], values[1]);
    }

    private static double? Probability(YamlSource document, ConfigSection t)
    {
        if (t.Get("horizontal_flip") is not { } node)
        {
            return null;
        }

        (ConfigSection s, string key) = node is YamlMappingNode
            ? (ConfigSection.Open(document, node, t.Sub("horizontal_flip"), FlipKeys), "p")
            : (t, "horizontal_flip");
        double p = s.Double(key, 0.5);
        return p <= 1 ? p : throw s.Fail(s.Get(key)!, $"'{s.Sub(key)}' is a probability (0 to 1), got '{p.ToString(CultureInfo.InvariantCulture)}'");
    }

    private static ColorJitterSpec? Jitter(YamlSource document, ConfigSection t)
    {
        if (t.Get("color_jitter") is not { } node)
        {
            return null;
        }

        ConfigSection s = ConfigSection.Open(document, node, t.Sub("color_jitter"), JitterKeys);
        double Small(string key)
        {
            double v = s.Double(key, 0);
            return v <= 1 ? v : throw s.Fail(s.Get(key)!, $"'{s.Sub(key)}' must be between 0 and 1 (a small jitter), got '{v.ToString(CultureInfo.InvariantCulture)}'");
        }

        return new ColorJitterSpec(Small("brightness"), Small("contrast"), Small("saturation"));
    }

    private static NormalizeSpec Normalize(YamlSource document, ConfigSection t)
    {
        if (t.Get("normalize") is not { } node)
        {
            return NormalizeSpec.None;
        }

        if (node is not YamlMappingNode)
        {
            Dictionary<string, NormalizeSpec> presets = new() { ["imagenet"] = NormalizeSpec.ImageNet, ["none"] = NormalizeSpec.None };
            return t.Choice("normalize", NormalizeSpec.None, presets);
        }

        ConfigSection s = ConfigSection.Open(document, node, t.Sub("normalize"), NormalizeKeys);
        float[] mean = Floats(s, "mean");
        float[] std = Floats(s, "std");
        if (std.Any(v => v <= 0))
        {
            throw s.Fail(s.Get("std")!, $"'{s.Sub("std")}' must be positive numbers");
        }

        if (mean.Length != std.Length)
        {
            throw s.Fail(s.Node, $"'{s.Path}' has {mean.Length} means but {std.Length} stds; give one per channel");
        }

        return new NormalizeSpec("custom", mean, std);
    }

    private static float[] Floats(ConfigSection s, string key)
    {
        if (s.Get(key) is not { } node)
        {
            throw s.Fail(s.Node, $"'{s.Path}' needs '{key}' (one number per channel)");
        }

        IEnumerable<YamlNode> items = node is YamlSequenceNode list ? list.Children : [node];
        float[] values = [.. items.Select(item => item is YamlScalarNode { Value: { } text }
                && float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)
                    ? v
                    : throw s.Fail(item, $"'{s.Sub(key)}' must be a number or a list of numbers"))];
        return values.Length is 1 or 3 ? values : throw s.Fail(node, $"'{s.Sub(key)}' needs 1 or 3 numbers, got {values.Length}");
    }
}
