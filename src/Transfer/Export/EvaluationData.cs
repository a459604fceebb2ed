using Transfer.Data;
using Transfer.Data.Idx;
using Transfer.Data.Images;

namespace Transfer.Export;

/// <summary>
/// The labelled images an exported model is checked on: <c>fashion-mnist</c> (the test split of Debian's
/// <c>dataset-fashion-mnist</c>), a folder of IDX files (the <c>t10k-*</c> test pair, or the one
/// <c>*images-idx3-ubyte.gz</c>/<c>*labels-idx1-ubyte.gz</c> pair it holds), or an image folder
/// (its <c>val/</c> split).
/// </summary>
public static class EvaluationData
{
    /// <summary>The name that stands for the Fashion-MNIST test split.</summary>
    public const string FashionMnistName = "fashion-mnist";

    /// <summary>Loads the images (<c>[N, C, H, W]</c> float32 in [0, 1]) and labels.</summary>
    /// <exception cref="DataFormatException">The data is missing or malformed.</exception>
    public static LabeledTensors Load(string data) => Load(data, null);

    /// <summary>
    /// Loads the images, an image folder's through <paramref name="pipeline"/> (a run's evaluation transform:
    /// resize, center crop and its normalisation, if any) when given; IDX data is never transformed.
    /// </summary>
    internal static LabeledTensors Load(string data, Transfer.Data.Transforms.TransformPipeline? pipeline)
    {
        ArgumentException.ThrowIfNullOrEmpty(data);
        if (string.Equals(data, FashionMnistName, StringComparison.OrdinalIgnoreCase))
        {
            return Idx(FashionMnist.SystemDirectory);
        }

        if (!Directory.Exists(data))
        {
            throw new DataFormatException(data, $"not found: name a folder of IDX files or an image folder, or '{FashionMnistName}'");
        }

        if (Directory.Exists(Path.Combine(data, "val")) && pipeline is not null)
        {
            return ImageFolderDataset.LoadValidation(data, pipeline);
        }

        if (Directory.Exists(Path.Combine(data, "val")))
        {
            (LabeledTensors train, LabeledTensors validation, _) = ImageFolderDataset.Load(data, trainLimit: 1);
            train.Dispose();
            return validation;
        }

        if (Directory.Exists(Path.Combine(data, "train")))
        {
            throw new DataFormatException(
                data, "is an image folder without val/: evaluation reads val/<class>/ images (a run's validation.split is drawn from train/, not kept as files); put held-out images in val/<class>/");
        }

        return Idx(data);
    }

    private static LabeledTensors Idx(string folder)
    {
        string testImages = Path.Combine(folder, FashionMnist.FileNames[2]);
        string testLabels = Path.Combine(folder, FashionMnist.FileNames[3]);
        if (File.Exists(testImages) && File.Exists(testLabels))
        {
            return IdxDataset.Load(testImages, testLabels);
        }

        string[] images = Directory.Exists(folder) ? Directory.GetFiles(folder, "*images-idx3-ubyte.gz") : [];
        string[] labels = Directory.Exists(folder) ? Directory.GetFiles(folder, "*labels-idx1-ubyte.gz") : [];
        if (images.Length != 1 || labels.Length != 1)
        {
            throw new DataFormatException(
                folder, $"holds no test split: expected {FashionMnist.FileNames[2]} and {FashionMnist.FileNames[3]}, or exactly one *images-idx3-ubyte.gz and one *labels-idx1-ubyte.gz");
        }

        return IdxDataset.Load(images[0], labels[0]);
    }
}
