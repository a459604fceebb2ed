using Transfer.Data.Images;
using Transfer.Data.Transforms;
using Transfer.FineTuning.Config;
using Transfer.Rules.Errors;

namespace Transfer.Tests.FineTuning;

public sealed class ImageFolderConfigTests
{
    private static RunConfig Parse(string data) => RunConfigReader.Parse(
        $"""
        source: {"{"} path: a.pt {"}"}
        target: {"{"} model: ResNet18 {"}"}
        data:
          kind: imagefolder
          path: photos
        {data}
        """,
        "run.yaml",
        "/base");

    [Fact]
    public void The_issue_shape_reads_into_transforms_in_the_fixed_order()
    {
        RunConfig c = Parse("""
              transforms:
                resize: 72
                random_resized_crop: { size: 64, scale: [0.5, 1.0], ratio: [0.75, 1.3333] }
                horizontal_flip: { p: 0.5 }
                color_jitter: { brightness: 0.2, saturation: 0.1 }
                normalize: imagenet
              on_bad_image: error
            validation: { split: 0.2 }
            """);

        ImageTransforms t = c.Data.Transforms;
        Assert.Equal(72, t.Resize);
        Assert.Equal(new RandomResizedCropSpec(64, 0.5, 1.0, 0.75, 1.3333), t.RandomResizedCrop);
        Assert.Equal(0.5, t.HorizontalFlip);
        Assert.Equal(new ColorJitterSpec(0.2, 0, 0.1), t.ColorJitter);
        Assert.Equal(NormalizeSpec.ImageNet, t.Normalize);
        Assert.Equal(64, t.CropSize);
        Assert.Equal(BadImagePolicy.Error, c.Data.OnBadImage);
        Assert.Equal((0.2, true), (c.Data.ValSplit, c.Data.ValSplitGiven));
    }

    [Fact]
    public void Bare_numbers_and_custom_normalisation_are_accepted()
    {
        ImageTransforms t = Parse("""
              transforms: { resize: 40, center_crop: 32, horizontal_flip: 0.25, normalize: { mean: [0.5], std: [0.25] } }
            """).Data.Transforms;
        Assert.Equal((40, 32, 0.25), (t.Resize!.Value, t.CenterCrop!.Value, t.HorizontalFlip!.Value));
        Assert.Equal(new NormalizeSpec("custom", [0.5f], [0.25f]), t.Normalize);
        Assert.True(t.IsRandom); // a flip draws a random number per sample
    }

    [Theory]
    [InlineData("  transforms: { resise: 72 }", "run.yaml:6:17: unknown key 'resise' in 'data.transforms'; did you mean 'resize'? (valid keys: resize, center_crop, random_resized_crop, horizontal_flip, color_jitter, normalize)")]
    [InlineData("  transforms: { random_resized_crop: { size: 8, scal: [0.5, 1] } }", "run.yaml:6:49: unknown key 'scal' in 'data.transforms.random_resized_crop'; did you mean 'scale'? (valid keys: size, scale, ratio)")]
    [InlineData("  transforms: { normalize: imagenett }", "run.yaml:6:28: 'data.transforms.normalize' must be one of imagenet, none, got 'imagenett'; did you mean 'imagenet'?")]
    [InlineData("  transforms: { normalize: none, resize: 8 }", "run.yaml:6:42: 'data.transforms.resize' comes before 'normalize': transforms apply in the order resize, center_crop, random_resized_crop, horizontal_flip, color_jitter, normalize, so write them in that order")]
    [InlineData("  transforms: { center_crop: 8, random_resized_crop: 8 }", "run.yaml:6:54: 'data.transforms' takes center_crop or random_resized_crop, not both (evaluation always center-crops to the crop size)")]
    [InlineData("  transforms: { random_resized_crop: { size: 8, scale: [0.9, 0.5] } }", "run.yaml:6:56: 'data.transforms.random_resized_crop.scale' must be [low, high] with 0 < low <= high <= 1")]
    [InlineData("  transforms: { horizontal_flip: { p: 2 } }", "run.yaml:6:39: 'data.transforms.horizontal_flip.p' is a probability (0 to 1), got '2'")]
    [InlineData("  transforms: { color_jitter: { hue: 0.1 } }", "run.yaml:6:33: unknown key 'hue' in 'data.transforms.color_jitter' (valid keys: brightness, contrast, saturation)")]
    [InlineData("  transforms: { normalize: { mean: [0.5, 0.5, 0.5], std: [0.2] } }", "run.yaml:6:28: 'data.transforms.normalize' has 3 means but 1 stds; give one per channel")]
    [InlineData("  on_bad_image: skipp", "run.yaml:6:17: 'data.on_bad_image' must be one of skip, error, got 'skipp'; did you mean 'skip'?")]
    public void A_bad_transform_or_data_key_is_one_positioned_line_with_a_suggestion(string data, string message)
    {
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => Parse(data));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void The_resnet18_example_config_reads_as_the_issue_shows()
    {
        RunConfig c = RunConfigReader.Load(Path.Combine(RepoPaths.Root, "configs", "imagefolder-resnet18.yaml"));
        Assert.Equal(Path.Combine(RepoPaths.Root, "configs", "photos"), c.Data.Path);
        Assert.Equal(
            new ImageTransforms
            {
                Resize = 72,
                RandomResizedCrop = new(64, 0.5, 1.0, 0.75, 1.3333),
                HorizontalFlip = 0.5,
                Normalize = NormalizeSpec.ImageNet,
            },
            c.Data.Transforms);
        Assert.Equal((BadImagePolicy.Skip, 0.2, true), (c.Data.OnBadImage, c.Data.ValSplit, c.Log.TensorBoard));
    }
}
