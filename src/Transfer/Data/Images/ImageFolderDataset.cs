using TorchSharp;
using Transfer.Data;

namespace Transfer.Data.Images;

/// <summary>
/// Reads an image-folder data set: <c>DIR/train/&lt;class&gt;/*.pgm|*.ppm</c> and the same classes under
/// <c>DIR/val/</c>. Classes are the train sub-folders in ordinal order (their index is the label); files
/// are read in ordinal order, so the tensors are the same on every machine. All images must share one
/// size and channel count.
/// </summary>
public static class ImageFolderDataset
{
    private static readonly string[] Extensions = [".pgm", ".ppm"];

    /// <summary>Loads both splits.</summary>
    /// <param name="folder">The data set's root folder.</param>
    /// <param name="trainLimit">Read at most this many training images (first files of the ordered list).</param>
    /// <param name="valLimit">Read at most this many validation images.</param>
    public static (LabeledTensors Train, LabeledTensors Validation, IReadOnlyList<string> Classes) Load(
        string folder, int? trainLimit = null, int? valLimit = null)
    {
        string trainDir = Path.Combine(folder, "train");
        string valDir = Path.Combine(folder, "val");
        foreach (string dir in new[] { trainDir, valDir })
        {
            if (!Directory.Exists(dir))
            {
                throw new DataFormatException(dir, "missing: an image folder needs train/<class>/ and val/<class>/ sub-folders");
            }
        }

        List<string> classes = Directory.GetDirectories(trainDir).Select(d => Path.GetFileName(d)!)
            .Order(StringComparer.Ordinal).ToList();
        if (classes.Count == 0)
        {
            throw new DataFormatException(trainDir, "has no class sub-folders");
        }

        LabeledTensors train = Read(trainDir, classes, trainLimit);
        try
        {
            foreach (string extra in Directory.GetDirectories(valDir).Select(d => Path.GetFileName(d)!))
            {
                if (!classes.Contains(extra))
                {
                    throw new DataFormatException(Path.Combine(valDir, extra), "is a class that train/ does not have");
                }
            }

            LabeledTensors val = Read(valDir, classes, valLimit);
            if (val.Images.shape.Skip(1).SequenceEqual(train.Images.shape.Skip(1)) is false)
            {
                val.Dispose();
                throw new DataFormatException(valDir, "images differ in size or channels from train/");
            }

            return (train, val, classes);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    private static LabeledTensors Read(string split, IReadOnlyList<string> classes, int? limit)
    {
        List<(string File, int Label)> files = [];
        for (int label = 0; label < classes.Count; label++)
        {
            string dir = Path.Combine(split, classes[label]);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            files.AddRange(Directory.GetFiles(dir)
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal)
                .Select(f => (f, label)));
        }

        files = files.Take(limit ?? int.MaxValue).ToList();
        if (files.Count == 0)
        {
            throw new DataFormatException(split, "has no .pgm or .ppm images");
        }

        NetpbmImage first = NetpbmImage.Read(files[0].File);
        int size = first.Channels * first.Height * first.Width;
        float[] pixels = new float[(long)files.Count * size];
        long[] labels = new long[files.Count];
        for (int i = 0; i < files.Count; i++)
        {
            NetpbmImage image = i == 0 ? first : NetpbmImage.Read(files[i].File);
            if (image.Channels != first.Channels || image.Width != first.Width || image.Height != first.Height)
            {
                throw new DataFormatException(
                    files[i].File,
                    $"is {image.Width}x{image.Height}x{image.Channels}, but {files[0].File} is {first.Width}x{first.Height}x{first.Channels}");
            }

            // Netpbm stores rows of interleaved samples (HWC); tensors want CHW.
            for (int y = 0; y < image.Height; y++)
            {
                for (int x = 0; x < image.Width; x++)
                {
                    for (int c = 0; c < image.Channels; c++)
                    {
                        byte sample = image.Pixels[(((y * image.Width) + x) * image.Channels) + c];
                        pixels[((long)i * size) + (((c * image.Height) + y) * image.Width) + x] = (float)sample / image.MaxValue;
                    }
                }
            }

            labels[i] = files[i].Label;
        }

        return new LabeledTensors(
            torch.tensor(pixels, new long[] { files.Count, first.Channels, first.Height, first.Width }),
            torch.tensor(labels),
            classes.Count);
    }
}
