using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using Transfer.IO;

namespace Transfer.Data.Idx;

/// <summary>
/// Reads MNIST-style IDX files (gzip-compressed, as Fashion-MNIST ships them): an images file of unsigned
/// bytes <c>[N, rows, cols]</c> (magic 0x00000803) and a labels file <c>[N]</c> (magic 0x00000801). Every
/// header field and size is checked against the bytes actually present before a tensor is made.
/// </summary>
internal static class IdxDataset
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;
    private const long MaxBytes = 1L << 31;

    /// <summary>
    /// Loads images as <c>[N, 1, rows, cols]</c> float32 scaled to [0, 1] and labels as <c>[N]</c> int64.
    /// </summary>
    /// <param name="imagesGz">The gzip-compressed IDX3 images file.</param>
    /// <param name="labelsGz">The gzip-compressed IDX1 labels file.</param>
    /// <param name="classCount">Labels must lie in [0, classCount).</param>
    /// <exception cref="DataFormatException">A file is missing, not gzip, or its IDX header or size is wrong.</exception>
    public static LabeledTensors Load(string imagesGz, string labelsGz, int classCount = 10)
    {
        ArgumentNullException.ThrowIfNull(imagesGz);
        ArgumentNullException.ThrowIfNull(labelsGz);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);

        byte[] images = ReadGzip(imagesGz);
        byte[] labels = ReadGzip(labelsGz);
        int[] imageDims = ReadHeader(imagesGz, images, ImagesMagic, 3);
        int[] labelDims = ReadHeader(labelsGz, labels, LabelsMagic, 1);
        if (imageDims[0] != labelDims[0])
        {
            throw new DataFormatException(
                labelsGz, $"holds {labelDims[0]} labels but {imagesGz} holds {imageDims[0]} images.");
        }

        for (int i = 8; i < labels.Length; i++)
        {
            if (labels[i] >= classCount)
            {
                throw new DataFormatException(
                    labelsGz, $"label {labels[i]} at index {i - 8} is outside [0, {classCount}).");
            }
        }

        long count = imageDims[0];
        using torch.Tensor rawImages = torch.tensor(images.AsSpan(16).ToArray(), [count, 1, imageDims[1], imageDims[2]]);
        using torch.Tensor rawLabels = torch.tensor(labels.AsSpan(8).ToArray(), [count]);
        torch.Tensor imageTensor = rawImages.to_type(torch.float32).div_(255f);
        torch.Tensor labelTensor = rawLabels.to_type(torch.int64);
        return new LabeledTensors(imageTensor, labelTensor, classCount);
    }

    private static byte[] ReadGzip(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "file not found.");
        }

        if (RegularFile.Problem(path) is string problem)
        {
            throw new DataFormatException(path, problem);
        }

        try
        {
            using FileStream file = File.OpenRead(path);
            using GZipStream gzip = new(file, CompressionMode.Decompress);
            using MemoryStream memory = new();
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                if (memory.Length + read > MaxBytes)
                {
                    throw new DataFormatException(path, $"decompresses to more than {MaxBytes} bytes.");
                }

                memory.Write(buffer, 0, read);
            }

            return memory.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"not a valid gzip file ({e.Message.TrimEnd('.')}).", e);
        }
        catch (IOException e)
        {
            throw new DataFormatException(path, $"cannot be read ({e.Message.TrimEnd('.')}).", e);
        }
    }

    private static int[] ReadHeader(string path, byte[] bytes, int magic, int rank)
    {
        if (bytes.Length < 4)
        {
            throw new DataFormatException(path, $"has {bytes.Length} bytes, too few for an IDX magic number.");
        }

        int found = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (found != magic)
        {
            throw new DataFormatException(path, $"IDX magic is 0x{found:X8}, expected 0x{magic:X8}.");
        }

        int headerSize = 4 + (4 * rank);
        if (bytes.Length < headerSize)
        {
            throw new DataFormatException(path, $"has {bytes.Length} bytes, fewer than the {headerSize}-byte IDX header.");
        }

        int[] dims = new int[rank];
        long expected = 1;
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * d)));
            if (dims[d] < 0 || (d > 0 && dims[d] == 0))
            {
                throw new DataFormatException(path, $"IDX dimension {d} is {dims[d]}.");
            }

            expected = expected > MaxBytes ? expected : expected * dims[d];
        }

        expected += headerSize;
        if (bytes.Length != expected)
        {
            throw new DataFormatException(
                path, $"has {bytes.Length} bytes but its IDX header [{string.Join(", ", dims)}] needs {expected}.");
        }

        return dims;
    }
}
