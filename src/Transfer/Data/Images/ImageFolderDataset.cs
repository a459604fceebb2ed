using System.Globalization;
using TorchSharp;
using Transfer.Data.Transforms;

namespace Transfer.Data.Images;

/// <summary>
/// An image-folder data set: <c>DIR/train/&lt;class&gt;/*</c> and optionally <c>DIR/val/&lt;class&gt;/*</c> of
/// PNG, JPEG, BMP, GIF, WebP or binary PGM/PPM files. Classes are the train sub-folders in ordinal order
/// (their index is the label); files are read in ordinal order, so the tensors are the same on every machine.
/// </summary>
public static class ImageFolderDataset
{
    /// <summary>
    /// Loads both splits as decoded (no transforms): <c>val/</c> must exist, every image must decode, and all
    /// must share one size; channels are the first image's (grayscale files repeat into RGB, RGB files become
    /// BT.601 luma when the first is gray).
    /// </summary>
    /// <param name="folder">The data set's root folder.</param>
    /// <param name="trainLimit">Read at most this many training images (first files of the ordered list).</param>
    /// <param name="valLimit">Read at most this many validation images.</param>
    public static (LabeledTensors Train, LabeledTensors Validation, IReadOnlyList<string> Classes) Load(
        string folder, int? trainLimit = null, int? valLimit = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(Path.Combine(folder, "val")))
        {
            throw new DataFormatException(Path.Combine(folder, "val"), "missing: an image folder needs train/<class>/ and val/<class>/ sub-folders");
        }

        ImageFolderScan scan = ImageFolderScan.Run(folder, Environment.ProcessorCount);
        if (scan.Bad.Count > 0)
        {
            throw new DataFormatException(scan.Bad[0].Path, scan.Bad[0].Reason);
        }

        List<ImageEntry> train = [.. scan.Train.Take(trainLimit ?? int.MaxValue)];
        List<ImageEntry> val = [.. scan.Val!.Take(valLimit ?? int.MaxValue)];
        TransformPipeline pipeline = new(ImageTransforms.None, train[0].Channels);
        if (SizeProblem([.. train, .. val], pipeline) is { } problem)
        {
            throw problem;
        }

        if (val.Count == 0)
        {
            throw new DataFormatException(Path.Combine(folder, "val"), $"has no images ({string.Join(", ", ImageDecoder.Extensions)})");
        }

        LabeledTensors trainSet = Materialize(train, pipeline, scan.Classes.Count, Environment.ProcessorCount);
        try
        {
            return (trainSet, Materialize(val, pipeline, scan.Classes.Count, Environment.ProcessorCount), scan.Classes);
        }
        catch
        {
            trainSet.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The <c>val/</c> split of <paramref name="folder"/> through a run's evaluation <paramref name="pipeline"/>
    /// (resize, center crop, normalize, to its channels): what <c>evaluate</c> and <c>export --verify</c> score
    /// a model from an image-folder run on, so photos of any size work as the run's validation did.
    /// </summary>
    internal static LabeledTensors LoadValidation(string folder, TransformPipeline pipeline)
    {
        ImageFolderScan scan = ImageFolderScan.Run(folder, Environment.ProcessorCount);
        if (scan.Bad.Count > 0)
        {
            throw new DataFormatException(scan.Bad[0].Path, scan.Bad[0].Reason);
        }

        List<ImageEntry> val = [.. scan.Val ?? []];
        if (val.Count == 0)
        {
            throw new DataFormatException(Path.Combine(folder, "val"), $"has no images ({string.Join(", ", ImageDecoder.Extensions)})");
        }

        if (SizeProblem(val, pipeline) is { } problem)
        {
            throw problem;
        }

        return Materialize(val, pipeline, scan.Classes.Count, Environment.ProcessorCount);
    }

    /// <summary>
    /// Without a crop every image must leave the pipeline at one size (a batch is one tensor): the first that
    /// does not, named with both sizes, or null.
    /// </summary>
    internal static DataFormatException? SizeProblem(IReadOnlyList<ImageEntry> images, TransformPipeline pipeline)
    {
        if (images.Count == 0 || pipeline.Transforms.CropSize is not null)
        {
            return null;
        }

        ImageEntry first = images[0];
        (int h0, int w0) = pipeline.OutputSize(first.Height, first.Width);
        foreach (ImageEntry image in images)
        {
            (int h, int w) = pipeline.OutputSize(image.Height, image.Width);
            if (h != h0 || w != w0)
            {
                string resized = pipeline.Transforms.Resize is null ? string.Empty : " after resize (add center_crop or random_resized_crop)";
                return new DataFormatException(
                    image.Path,
                    string.Create(CultureInfo.InvariantCulture, $"is {w}x{h}x{pipeline.Channels}{resized}, but {first.Path} is {w0}x{h0}x{pipeline.Channels}"));
            }
        }

        return null;
    }

    /// <summary>
    /// Decodes and evaluation-transforms <paramref name="images"/> on <paramref name="workers"/> threads into one
    /// <c>[N, C, H, W]</c> tensor (each sample written straight into its slot, so the result never depends on
    /// thread order) with its labels.
    /// </summary>
    internal static unsafe LabeledTensors Materialize(IReadOnlyList<ImageEntry> images, TransformPipeline pipeline, int classes, int workers)
    {
        (int h, int w) = images.Count == 0 ? (1, 1) : pipeline.OutputSize(images[0].Height, images[0].Width);
        long sample = (long)pipeline.Channels * h * w;
        torch.Tensor tensor = torch.empty([images.Count, pipeline.Channels, h, w], torch.float32);
        try
        {
            float* data = (float*)Transfer.Formats.TensorBytes.Address(tensor);
            try
            {
                Parallel.For(0, images.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers) }, i =>
                {
                    float[] values = pipeline.Evaluate(ImageDecoder.Decode(images[i].Path));
                    if (values.Length != sample)
                    {
                        throw new DataFormatException(images[i].Path, "changed size since the run checked the folder");
                    }

                    values.AsSpan().CopyTo(new Span<float>(data + (i * sample), values.Length));
                });
            }
            catch (AggregateException e) when (e.InnerExceptions[0] is DataFormatException bad)
            {
                throw new DataFormatException(bad.File, bad.Problem, bad);
            }

            return new LabeledTensors(tensor, torch.tensor(images.Select(i => (long)i.Label).ToArray()), classes);
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }
}
