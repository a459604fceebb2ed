using TorchSharp;
using Transfer.Data;
using Transfer.Data.Idx;

namespace Transfer.Tests.Data;

public sealed class IdxDatasetTests : IDisposable
{
    private readonly string dir = IdxFiles.TempDirectory();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Images_are_scaled_to_unit_range_and_labels_are_int64()
    {
        byte[] pixels = [0, 255, 51, 102, 1, 2, 3, 4];
        string images = IdxFiles.Write(dir, "i.gz", 0x803, [2, 2, 2], pixels);
        string labels = IdxFiles.Write(dir, "l.gz", 0x801, [2], [7, 3]);

        using LabeledTensors data = IdxDataset.Load(images, labels);

        Assert.Equal(new long[] { 2, 1, 2, 2 }, data.Images.shape);
        Assert.Equal(torch.float32, data.Images.dtype);
        Assert.Equal(pixels.Select(p => p / 255f).ToArray(), data.Images.data<float>().ToArray());
        Assert.Equal(torch.int64, data.Labels.dtype);
        Assert.Equal(new long[] { 7, 3 }, data.Labels.data<long>().ToArray());
        Assert.Equal(2, data.Count);
        Assert.Equal(10, data.ClassCount);
    }

    [Fact]
    public void Wrong_magic_names_the_file_and_both_magics()
    {
        string images = IdxFiles.Write(dir, "i.gz", 0x801, [1], [0]);
        string labels = IdxFiles.Write(dir, "l.gz", 0x801, [1], [0]);
        DataFormatException e = Assert.Throws<DataFormatException>(() => IdxDataset.Load(images, labels));
        Assert.Equal($"{images}: IDX magic is 0x00000801, expected 0x00000803.", e.Message);
    }

    [Fact]
    public void Truncated_payload_is_refused_with_both_sizes()
    {
        string images = IdxFiles.Write(dir, "i.gz", 0x803, [2, 2, 2], [1, 2, 3]);
        string labels = IdxFiles.Write(dir, "l.gz", 0x801, [2], [0, 1]);
        DataFormatException e = Assert.Throws<DataFormatException>(() => IdxDataset.Load(images, labels));
        Assert.Equal($"{images}: has 19 bytes but its IDX header [2, 2, 2] needs 24.", e.Message);
    }

    [Fact]
    public void Image_and_label_counts_must_agree()
    {
        string images = IdxFiles.Write(dir, "i.gz", 0x803, [1, 1, 1], [9]);
        string labels = IdxFiles.Write(dir, "l.gz", 0x801, [2], [0, 1]);
        DataFormatException e = Assert.Throws<DataFormatException>(() => IdxDataset.Load(images, labels));
        Assert.Equal($"{labels}: holds 2 labels but {images} holds 1 images.", e.Message);
    }

    [Fact]
    public void Label_out_of_range_is_refused()
    {
        string images = IdxFiles.Write(dir, "i.gz", 0x803, [1, 1, 1], [9]);
        string labels = IdxFiles.Write(dir, "l.gz", 0x801, [1], [10]);
        DataFormatException e = Assert.Throws<DataFormatException>(() => IdxDataset.Load(images, labels));
        Assert.Equal($"{labels}: label 10 at index 0 is outside [0, 10).", e.Message);
    }

    [Fact]
    public void Uncompressed_file_is_refused_as_not_gzip()
    {
        string images = IdxFiles.Write(dir, "i.gz", 0x803, [1, 1, 1], [9], gzip: false);
        string labels = IdxFiles.Write(dir, "l.gz", 0x801, [1], [1]);
        DataFormatException e = Assert.Throws<DataFormatException>(() => IdxDataset.Load(images, labels));
        Assert.StartsWith($"{images}: not a valid gzip file", e.Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        string missing = Path.Combine(dir, "nope.gz");
        DataFormatException e = Assert.Throws<DataFormatException>(() => IdxDataset.Load(missing, missing));
        Assert.Equal($"{missing}: file not found.", e.Message);
    }

    [Fact]
    public void Locate_uses_the_given_directory_and_says_so()
    {
        IdxFiles.Write(dir, "train-images-idx3-ubyte.gz", 0x803, [2, 1, 1], [0, 255]);
        IdxFiles.Write(dir, "train-labels-idx1-ubyte.gz", 0x801, [2], [0, 1]);
        IdxFiles.Write(dir, "t10k-images-idx3-ubyte.gz", 0x803, [1, 1, 1], [255]);
        IdxFiles.Write(dir, "t10k-labels-idx1-ubyte.gz", 0x801, [1], [1]);

        using FashionMnistData data = FashionMnist.Locate(dir);

        Assert.Equal($"Fashion-MNIST from the given folder {dir} (2 train, 1 test)", data.Description);
        Assert.Equal(2, data.Train.Count);
        Assert.Equal(1, data.Test.Count);
    }
}
