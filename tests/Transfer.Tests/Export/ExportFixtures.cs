using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using Transfer.Formats;
using Transfer.Models;

namespace Transfer.Tests.Export;

/// <summary>Seeded weights files and small IDX data folders for export tests.</summary>
internal static class ExportFixtures
{
    /// <summary>Writes <paramref name="model"/>'s state dict, randomized from <paramref name="seed"/>, to <paramref name="path"/>.</summary>
    public static string Weights(torch.nn.Module model, long seed, string path)
    {
        using torch.Generator generator = new((ulong)seed);
        OnnxTestRuns.Randomize(model, generator);
        CheckpointWriter.Write(path, StateDictOrder.Entries(model));
        return path;
    }

    /// <summary>A folder with t10k-images/labels IDX gz files: <paramref name="count"/> random 28×28 images and labels 0 to <paramref name="classes"/> - 1.</summary>
    public static string IdxFolder(int count, long seed, int classes = 10)
    {
        string folder = TestFolders.New("idx");
        using torch.Generator generator = new((ulong)seed);
        using torch.Tensor images = torch.randint(0, 256, [count, 28, 28], generator: generator).to_type(torch.uint8);
        using torch.Tensor labels = torch.randint(0, classes, [count], generator: generator).to_type(torch.uint8);
        WriteIdx(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), 0x803, [count, 28, 28], images.data<byte>().ToArray());
        WriteIdx(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"), 0x801, [count], labels.data<byte>().ToArray());
        return folder;
    }

    private static void WriteIdx(string path, int magic, int[] dims, byte[] values)
    {
        using FileStream file = File.Create(path);
        using GZipStream gzip = new(file, CompressionLevel.Fastest);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magic);
        gzip.Write(word);
        foreach (int dim in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, dim);
            gzip.Write(word);
        }

        gzip.Write(values);
    }
}
