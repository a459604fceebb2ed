using System.Globalization;
using Transfer.Data.Images;
using Transfer.Data.Transforms;
using Transfer.FineTuning.Config;
using YamlDotNet.RepresentationModel;

namespace Transfer.FineTuning;

/// <summary>The image-folder keys of a resolved <c>config.yaml</c>: every transform with its defaults, <c>on_bad_image</c>, <c>workers</c>.</summary>
internal static class ResolvedImageFolder
{
    /// <summary>Adds <c>transforms</c>, <c>on_bad_image</c> and <c>workers</c> to the resolved <c>data:</c> mapping.</summary>
    public static void Add(YamlMappingNode data, DataConfig config)
    {
        ImageTransforms t = config.Transforms;
        YamlMappingNode transforms = [];
        if (t.Resize is { } resize)
        {
            transforms.Add("resize", Number(resize));
        }

        if (t.CenterCrop is { } crop)
        {
            transforms.Add("center_crop", Number(crop));
        }

        if (t.RandomResizedCrop is { } r)
        {
            transforms.Add("random_resized_crop", new YamlMappingNode
            {
                { "size", Number(r.Size) },
                { "scale", new YamlSequenceNode(Number(r.ScaleMin), Number(r.ScaleMax)) { Style = YamlDotNet.Core.Events.SequenceStyle.Flow } },
                { "ratio", new YamlSequenceNode(Number(r.RatioMin), Number(r.RatioMax)) { Style = YamlDotNet.Core.Events.SequenceStyle.Flow } },
            });
        }

        if (t.HorizontalFlip is { } p)
        {
            transforms.Add("horizontal_flip", new YamlMappingNode { { "p", Number(p) } });
        }

        if (t.ColorJitter is { } j)
        {
            transforms.Add("color_jitter", new YamlMappingNode
            {
                { "brightness", Number(j.Brightness) }, { "contrast", Number(j.Contrast) }, { "saturation", Number(j.Saturation) },
            });
        }

        transforms.Add("normalize", t.Normalize.Name == "custom"
            ? new YamlMappingNode
            {
                { "mean", new YamlSequenceNode(t.Normalize.Mean.Select(v => (YamlNode)Number(v))) { Style = YamlDotNet.Core.Events.SequenceStyle.Flow } },
                { "std", new YamlSequenceNode(t.Normalize.Std.Select(v => (YamlNode)Number(v))) { Style = YamlDotNet.Core.Events.SequenceStyle.Flow } },
            }
            : new YamlScalarNode(t.Normalize.Name));
        data.Add("transforms", transforms);
        data.Add("on_bad_image", config.OnBadImage == BadImagePolicy.Error ? "error" : "skip");
        data.Add("workers", config.Workers is { } w ? Number(w) : new YamlScalarNode("auto"));
    }

    private static YamlScalarNode Number(double value) => new(value.ToString("R", CultureInfo.InvariantCulture));

    private static YamlScalarNode Number(float value) => new(value.ToString("R", CultureInfo.InvariantCulture));
}
