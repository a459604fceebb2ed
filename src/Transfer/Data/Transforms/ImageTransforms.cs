namespace Transfer.Data.Transforms;

/// <summary>
/// The <c>data.transforms:</c> mapping of an image-folder run. Whatever order the YAML lists them in, they
/// apply in one fixed order (<see cref="Order"/>): resize, center_crop or random_resized_crop, horizontal_flip,
/// color_jitter, normalize. Evaluation (validation, test) uses only the deterministic part: resize, a center
/// crop of the crop size, normalize.
/// </summary>
internal sealed record ImageTransforms
{
    /// <summary>The transform names in the order they apply.</summary>
    public static IReadOnlyList<string> Order { get; } =
        ["resize", "center_crop", "random_resized_crop", "horizontal_flip", "color_jitter", "normalize"];

    /// <summary>No transform: images train as decoded (they must then share one size).</summary>
    public static ImageTransforms None { get; } = new();

    /// <summary>The shorter side is resized to this many pixels (bilinear, antialiased), or null.</summary>
    public int? Resize { get; init; }

    /// <summary>A centred square crop of this side, or null.</summary>
    public int? CenterCrop { get; init; }

    /// <summary>torchvision's RandomResizedCrop, or null.</summary>
    public RandomResizedCropSpec? RandomResizedCrop { get; init; }

    /// <summary>The probability of a horizontal flip, or null for none.</summary>
    public double? HorizontalFlip { get; init; }

    /// <summary>Random brightness, contrast and saturation, or null.</summary>
    public ColorJitterSpec? ColorJitter { get; init; }

    /// <summary>Per-channel normalisation; <see cref="NormalizeSpec.None"/> by default.</summary>
    public NormalizeSpec Normalize { get; init; } = NormalizeSpec.None;

    /// <summary>The side of the square the crop makes (train and evaluation alike), or null without a crop.</summary>
    public int? CropSize => RandomResizedCrop?.Size ?? CenterCrop;

    /// <summary>Whether training draws random numbers (a random crop, a flip or a jitter).</summary>
    public bool IsRandom => RandomResizedCrop is not null || HorizontalFlip is > 0 || ColorJitter is not null;
}

/// <summary>torchvision's <c>RandomResizedCrop(size, scale, ratio)</c> with bilinear, antialiased resizing.</summary>
/// <param name="Size">The output square's side.</param>
/// <param name="ScaleMin">The smallest share of the image's area a crop covers.</param>
/// <param name="ScaleMax">The largest share.</param>
/// <param name="RatioMin">The smallest aspect ratio (width / height) of a crop.</param>
/// <param name="RatioMax">The largest.</param>
internal sealed record RandomResizedCropSpec(int Size, double ScaleMin, double ScaleMax, double RatioMin, double RatioMax);

/// <summary>torchvision's <c>ColorJitter(brightness, contrast, saturation)</c> (no hue): each factor is drawn from [max(0, 1 − x), 1 + x].</summary>
/// <param name="Brightness">The brightness range x (0 for none).</param>
/// <param name="Contrast">The contrast range.</param>
/// <param name="Saturation">The saturation range (no effect on one-channel images).</param>
internal sealed record ColorJitterSpec(double Brightness, double Contrast, double Saturation);

/// <summary>Per-channel <c>(x − mean) / std</c>.</summary>
/// <param name="Name">How the config named it: <c>imagenet</c>, <c>none</c> or <c>custom</c>.</param>
/// <param name="Mean">One value per channel (or one for all).</param>
/// <param name="Std">One value per channel (or one for all).</param>
internal sealed record NormalizeSpec(string Name, IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>No normalisation.</summary>
    public static NormalizeSpec None { get; } = new("none", [0f], [1f]);

    /// <summary>ImageNet's RGB statistics, as torchvision's pretrained models expect them.</summary>
    public static NormalizeSpec ImageNet { get; } = new("imagenet", [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>
    /// The mean and std for <paramref name="channels"/> channels: a single value serves every channel; the
    /// ImageNet preset on one channel is the mean of its three values (as timm does for <c>in_chans=1</c>);
    /// otherwise the counts must match (null when they do not).
    /// </summary>
    public (float[] Mean, float[] Std)? For(int channels)
    {
        if (Mean.Count == 1 && Std.Count == 1)
        {
            return (Enumerable.Repeat(Mean[0], channels).ToArray(), Enumerable.Repeat(Std[0], channels).ToArray());
        }

        if (Mean.Count == channels && Std.Count == channels)
        {
            return ([.. Mean], [.. Std]);
        }

        if (Name == "imagenet" && channels == 1)
        {
            return ([Mean.Average()], [Std.Average()]);
        }

        return null;
    }

    /// <inheritdoc />
    public bool Equals(NormalizeSpec? other) =>
        other is not null && Name == other.Name && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Mean.Count, Std.Count);
}
