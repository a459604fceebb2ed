using SkiaSharp;
using TorchSharp;
using Transfer.Data;
using Transfer.Data.Images;
using Transfer.Data.Transforms;
using Transfer.FineTuning;
using Transfer.Tests.FineTuning;

namespace Transfer.Tests.Data.Images;

public sealed class ImageBatchStreamTests : IDisposable
{
    private readonly string _dir = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_dir, true);

    private (string[] Files, TransformPipeline Pipeline) Folder(int count)
    {
        string[] files = new string[count];
        for (int i = 0; i < count; i++)
        {
            files[i] = Path.Combine(_dir, $"{i:D2}.png");
            using SKBitmap bitmap = PhotoFolder.Bitmap(20 + i, 16 + (i % 5), (x, y) => new SKColor((byte)(x * 9), (byte)(y * 11), (byte)(i * 13)));
            File.WriteAllBytes(files[i], PhotoFolder.Encode(bitmap, SKEncodedImageFormat.Png));
        }

        TransformPipeline pipeline = new(
            new ImageTransforms { Resize = 14, RandomResizedCrop = new(12, 0.3, 1.0, 0.75, 4.0 / 3.0), HorizontalFlip = 0.5 }, 3);
        return (files, pipeline);
    }

    [Fact]
    public void Batches_come_in_the_epoch_order_from_any_start_and_equal_the_samples_made_one_by_one()
    {
        (string[] files, TransformPipeline pipeline) = Folder(11);
        ImageBatchSource source = new(files, pipeline, Seed: 4, Workers: 3, (3, 12, 12)) { Epoch = 2 };
        using torch.Tensor order = torch.tensor(new long[] { 7, 2, 9, 0, 10, 4, 1, 8, 3, 6, 5 });

        using ImageBatchStream stream = source.Open(order, 3, 4); // resume after 3 examples: batches of 4, 4
        using torch.Tensor first = stream.Next();
        using torch.Tensor second = stream.Next();

        Assert.Equal(new long[] { 4, 3, 12, 12 }, first.shape);
        Assert.Equal(new long[] { 4, 3, 12, 12 }, second.shape);
        long[] expectedIndices = [0, 10, 4, 1, 8, 3, 6, 5];
        float[] got = [.. first.data<float>(), .. second.data<float>()];
        float[] want = [.. expectedIndices.SelectMany(i => pipeline.Train(ImageDecoder.Decode(files[i]), new SampleRandom(4, 2, i)))];
        Assert.Equal(want, got);
    }

    [Fact]
    public void Disposing_a_stream_before_its_end_stops_the_decoding_threads_quietly()
    {
        (string[] files, TransformPipeline pipeline) = Folder(9);
        ImageBatchSource source = new(files, pipeline, Seed: 0, Workers: 2, (3, 12, 12)) { Epoch = 1 };
        using torch.Tensor order = torch.arange(9L);
        ImageBatchStream stream = source.Open(order, 0, 1);
        using (torch.Tensor one = stream.Next())
        {
            Assert.Equal(1, one.shape[0]);
        }

        stream.Dispose(); // returns once the producer has ended; throws nothing
    }

    [Fact]
    public void An_image_that_no_longer_decodes_fails_its_batch_with_a_line_naming_it()
    {
        (string[] files, TransformPipeline pipeline) = Folder(4);
        File.WriteAllText(files[2], "gone");
        ImageBatchSource source = new(files, pipeline, Seed: 0, Workers: 1, (3, 12, 12)) { Epoch = 1 };
        using torch.Tensor order = torch.arange(4L);
        using ImageBatchStream stream = source.Open(order, 0, 2);
        using (stream.Next())
        {
        }

        DataFormatException e = Assert.Throws<DataFormatException>(() => stream.Next());
        Assert.Equal(
            $"{files[2]}: not a PNG, JPEG, BMP, GIF, WebP or binary PGM/PPM image (unrecognised format) (it decoded when the run checked the folder; was it changed since?)",
            e.Message);
    }

    [Fact]
    public void The_validation_split_is_a_function_of_the_seed_and_keeps_file_order()
    {
        List<ImageEntry> images = [.. Enumerable.Range(0, 20).Select(i => new ImageEntry($"{i:D2}.png", i % 3, 8, 8, 3))];

        var (train, validation) = RunImageFolder.Split(images, 0.2, seed: 5);
        var (train2, validation2) = RunImageFolder.Split(images, 0.2, seed: 5);
        var (_, other) = RunImageFolder.Split(images, 0.2, seed: 6);

        Assert.Equal(4, validation.Count);
        Assert.Equal(16, train.Count);
        Assert.Equal(validation, validation2);
        Assert.Equal(train, train2);
        Assert.NotEqual(validation, other);
        Assert.Equal(validation.OrderBy(i => i.Path, StringComparer.Ordinal), validation);
        Assert.Empty(train.Intersect(validation));
    }
}
