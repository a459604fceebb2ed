using System.Text.Json;
using Transfer.Data.Images;
using Transfer.Data.Transforms;
using Transfer.Tests.FineTuning;

namespace Transfer.Tests.Data.Transforms;

public sealed class TransformTests
{
    private static readonly string Fixtures = Path.Combine(RepoPaths.Root, "tests", "Transfer.Tests", "Data", "Images", "Fixtures");

    [Theory]
    [InlineData("down")]
    [InlineData("up")]
    public void Bilinear_resize_matches_torchvision_antialiased_resize(string which)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "resize.json")));
        float[] source = [.. json.RootElement.GetProperty("image").EnumerateArray().Select(v => v.GetSingle())];
        JsonElement expected = json.RootElement.GetProperty(which);
        int[] shape = [.. expected.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())];
        float[] want = [.. expected.GetProperty("data").EnumerateArray().Select(v => v.GetSingle())];

        PlanarImage resized = Resampler.Resize(new PlanarImage(3, 5, 7, source), shape[1], shape[2]);

        Assert.Equal((shape[1], shape[2]), (resized.Height, resized.Width));
        float worst = want.Zip(resized.Data, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-5f, $"max |difference| from torchvision {worst}");
    }

    [Fact]
    public void Resize_keeps_the_shorter_side_rule_of_torchvision()
    {
        TransformPipeline pipeline = new(new ImageTransforms { Resize = 72 }, 3);
        Assert.Equal((72, 108), pipeline.OutputSize(200, 300)); // int(72 * 300 / 200)
        Assert.Equal((129, 72), pipeline.OutputSize(301, 168)); // int(72 * 301 / 168) = 129
    }

    [Fact]
    public void Random_resized_crop_falls_back_to_a_centred_crop_of_the_nearest_allowed_ratio()
    {
        // A 10x100 strip cannot hold any crop of ratio 3/4..4/3 covering 90-100% of its area in 10 tries.
        RandomResizedCropSpec spec = new(8, 0.9, 1.0, 3.0 / 4.0, 4.0 / 3.0);
        (int top, int left, int h, int w) = Cropping.RandomResizedRegion(100, 10, spec, new SampleRandom(0, 1, 0));
        Assert.Equal((43, 0, 13, 10), (top, left, h, w)); // h = round(10 / (3/4)) = 13, centred: (100 - 13) // 2
    }

    [Fact]
    public void Random_resized_crop_regions_lie_inside_the_image_and_respect_scale_and_ratio()
    {
        RandomResizedCropSpec spec = new(32, 0.5, 1.0, 0.75, 4.0 / 3.0);
        for (int i = 0; i < 200; i++)
        {
            (int top, int left, int h, int w) = Cropping.RandomResizedRegion(60, 80, spec, new SampleRandom(7, 1, i));
            Assert.InRange(top, 0, 60 - h);
            Assert.InRange(left, 0, 80 - w);
            Assert.InRange((double)h * w / (60 * 80), 0.45, 1.0);
        }
    }

    [Fact]
    public void A_sample_is_the_same_whatever_thread_or_order_makes_it_and_changes_with_the_epoch()
    {
        RawImage image = new(40, 30, 3, 255, [.. Enumerable.Range(0, 40 * 30 * 3).Select(i => (byte)(i * 31 % 251))]);
        TransformPipeline pipeline = new(
            new ImageTransforms
            {
                Resize = 24,
                RandomResizedCrop = new(16, 0.3, 1.0, 0.75, 4.0 / 3.0),
                HorizontalFlip = 0.5,
                ColorJitter = new(0.2, 0.2, 0.2),
                Normalize = NormalizeSpec.ImageNet,
            },
            3);
        float[][] serial = [.. Enumerable.Range(0, 16).Select(i => pipeline.Train(image, new SampleRandom(5, 2, i)))];
        float[][] parallel = new float[16][];
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[15 - i] = pipeline.Train(image, new SampleRandom(5, 2, 15 - i)));

        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(serial[i], parallel[i]);
        }

        Assert.NotEqual(serial[0], pipeline.Train(image, new SampleRandom(5, 3, 0)));
        Assert.Equal(3 * 16 * 16, serial[0].Length);
    }

    [Fact]
    public void Evaluation_is_resize_center_crop_and_normalize_only()
    {
        RawImage image = new(4, 2, 1, 255, [0, 51, 102, 153, 204, 255, 0, 51]);
        TransformPipeline pipeline = new(
            new ImageTransforms { RandomResizedCrop = new(2, 0.1, 1.0, 0.5, 2.0), HorizontalFlip = 1.0, Normalize = new NormalizeSpec("custom", [0.5f], [0.5f]) },
            1);
        // Center crop 2x2 of the 4x2 image: columns 1..2; no flip; (x - 0.5) / 0.5.
        float[] expected = [.. new[] { 51, 102, 255, 0 }.Select(v => ((v / 255f) - 0.5f) / 0.5f)];
        Assert.Equal(expected, pipeline.Evaluate(image));
    }

    [Fact]
    public void Rgb_becomes_gray_with_bt601_luma_and_gray_repeats_into_rgb()
    {
        RawImage rgb = new(1, 1, 3, 255, [255, 0, 0]);
        Assert.Equal([0.299f], PlanarImage.From(rgb, 1).Data);
        RawImage gray = new(1, 1, 1, 255, [51]);
        Assert.Equal([0.2f, 0.2f, 0.2f], PlanarImage.From(gray, 3).Data);
    }

    [Fact]
    public void A_flip_with_p_one_mirrors_every_row()
    {
        RawImage image = new(3, 1, 1, 255, [0, 51, 102]);
        TransformPipeline pipeline = new(new ImageTransforms { HorizontalFlip = 1.0 }, 1);
        Assert.Equal([0.4f, 0.2f, 0f], pipeline.Train(image, new SampleRandom(0, 1, 0)));
    }
}
