using Transfer.Data;
using Transfer.Data.Images;
using Transfer.Tests.FineTuning;

namespace Transfer.Tests.Data.Images;

public sealed class ImageFolderDatasetTests
{
    private static readonly string Shapes = Path.Combine(RepoPaths.Root, "configs", "data", "shapes");

    [Fact]
    public void The_shapes_fixture_loads_as_ordered_classes_and_scaled_pixels()
    {
        var (train, val, classes) = ImageFolderDataset.Load(Shapes);
        using (train)
        using (val)
        {
            Assert.Equal(["circle", "cross", "square"], classes);
            Assert.Equal(new long[] { 72, 1, 28, 28 }, train.Images.shape);
            Assert.Equal(new long[] { 24, 1, 28, 28 }, val.Images.shape);
            Assert.Equal(3, train.ClassCount);
            long[] labels = train.Labels.data<long>().ToArray();
            Assert.Equal(Enumerable.Repeat(0L, 24).Concat(Enumerable.Repeat(1L, 24)).Concat(Enumerable.Repeat(2L, 24)), labels);

            byte[] raw = File.ReadAllBytes(Path.Combine(Shapes, "train", "circle", "00.pgm"));
            float[] first = train.Images[0].flatten().data<float>().ToArray();
            byte[] pixels = raw[^784..];
            Assert.Equal(pixels.Select(b => b / 255f), first);
        }
    }

    [Fact]
    public void Limits_take_the_first_images_in_order()
    {
        var (train, val, _) = ImageFolderDataset.Load(Shapes, trainLimit: 30, valLimit: 5);
        using (train)
        using (val)
        {
            Assert.Equal(30, train.Count);
            Assert.Equal(5, val.Count);
        }
    }

    [Fact]
    public void A_file_that_is_not_binary_pgm_is_a_one_line_error_naming_it()
    {
        string root = TinyRun.TempDir();
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "train", "a"));
            Directory.CreateDirectory(Path.Combine(root, "val", "a"));
            string bad = Path.Combine(root, "train", "a", "x.pgm");
            File.WriteAllText(bad, "P2\n2 2\n255\n0 0 0 0\n");
            var e = Assert.Throws<DataFormatException>(() => ImageFolderDataset.Load(root));
            Assert.Equal($"{bad}: not a binary PGM/PPM image (magic 'P2', expected P5 or P6)", e.Message);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void Images_of_different_sizes_are_refused_with_both_sizes()
    {
        string root = TinyRun.TempDir();
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "train", "a"));
            Directory.CreateDirectory(Path.Combine(root, "val", "a"));
            File.WriteAllBytes(Path.Combine(root, "train", "a", "1.pgm"), [.. "P5 2 2 255\n"u8, 1, 2, 3, 4]);
            File.WriteAllBytes(Path.Combine(root, "train", "a", "2.pgm"), [.. "P5 1 1 255\n"u8, 1]);
            var e = Assert.Throws<DataFormatException>(() => ImageFolderDataset.Load(root));
            Assert.Equal(
                $"{Path.Combine(root, "train", "a", "2.pgm")}: is 1x1x1, but {Path.Combine(root, "train", "a", "1.pgm")} is 2x2x1",
                e.Message);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void A_missing_val_folder_is_named()
    {
        string root = TinyRun.TempDir();
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "train", "a"));
            var e = Assert.Throws<DataFormatException>(() => ImageFolderDataset.Load(root));
            Assert.Equal($"{Path.Combine(root, "val")}: missing: an image folder needs train/<class>/ and val/<class>/ sub-folders", e.Message);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
