using System.Globalization;
using System.Text.Json.Nodes;
using Transfer.Data.Transforms;

namespace Transfer.Export;

/// <summary>
/// An image-folder run's evaluation transform carried into its export (by <c>transfer export &lt;run folder&gt;</c>
/// and a run's <c>export:</c> section alike): the crop fixes the input's height and width, the normalisation
/// becomes the graph's mean/std (the same in-graph <c>(x − mean) / std</c> as <c>--mean</c>/<c>--std</c>), and
/// resize and center crop, which happen before the graph, are recorded in the metadata
/// (<c>transfer.resize</c>, <c>transfer.center_crop</c>, <c>transfer.normalize</c>) and the sidecar, from which
/// <c>predict</c> and <c>evaluate</c> rebuild them (<see cref="FromMetadata"/>).
/// </summary>
internal static class ExportPreprocessing
{
    private const string ResizeKey = "transfer.resize";
    private const string CropKey = "transfer.center_crop";
    private const string NormalizeKey = "transfer.normalize";

    /// <summary>
    /// <paramref name="options"/> with the run's evaluation transform (<paramref name="pipeline"/>, bound to the
    /// model's channels). Explicit mean/std in <paramref name="options"/> (named <paramref name="given"/> in the
    /// error) must equal the run's normalisation per channel; the run's are exported either way.
    /// </summary>
    /// <exception cref="OnnxExportException">Explicit mean/std disagree with the run's, or the crop does not fit the model's fixed input size.</exception>
    public static OnnxExportOptions Apply(OnnxExportOptions options, TransformPipeline pipeline, string given)
    {
        if (Disagrees(options.Mean, pipeline.Mean) || Disagrees(options.Std, pipeline.Std))
        {
            throw new OnnxExportException(Text(
                $"{given} ({Values(options.Mean)} / {Values(options.Std)}) disagree with the run's data.transforms.normalize ({pipeline.Transforms.Normalize.Name}: mean {Values(pipeline.Mean)}, std {Values(pipeline.Std)}), which the model was trained with; leave them out to export the run's"));
        }

        int? height = options.Height;
        int? width = options.Width;
        if (pipeline.Transforms.CropSize is int crop)
        {
            if ((height is int h && h != crop) || (width is int w && w != crop))
            {
                throw new OnnxExportException(Text($"the run's evaluation crop makes {crop}×{crop} images, but the model takes {width}×{height}; leave out --input-shape"));
            }

            (height, width) = (crop, crop);
        }

        return options with
        {
            Height = height,
            Width = width,
            Mean = pipeline.Normalizes ? pipeline.Mean : null,
            Std = pipeline.Normalizes ? pipeline.Std : null,
            Preprocessing = new ImageTransforms { Resize = pipeline.Transforms.Resize, CenterCrop = pipeline.Transforms.CropSize, Normalize = pipeline.Transforms.Normalize },
        };
    }

    /// <summary>The metadata entries of <paramref name="transforms"/>; none without.</summary>
    public static IEnumerable<(string Key, string Value)> Metadata(ImageTransforms? transforms)
    {
        if (transforms is null)
        {
            yield break;
        }

        if (transforms.Resize is int resize)
        {
            yield return (ResizeKey, resize.ToString(CultureInfo.InvariantCulture));
        }

        if (transforms.CenterCrop is int crop)
        {
            yield return (CropKey, crop.ToString(CultureInfo.InvariantCulture));
        }

        yield return (NormalizeKey, transforms.Normalize.Name);
    }

    /// <summary>
    /// The unnormalised evaluation pipeline (resize, center crop; the graph normalises) an exported model's
    /// metadata records for <paramref name="channels"/>, or null when it records none (a model from no image-folder run).
    /// </summary>
    /// <exception cref="OnnxExportException">A recorded size is not a positive integer.</exception>
    public static TransformPipeline? FromMetadata(IReadOnlyDictionary<string, string> metadata, int channels, string onnxPath)
    {
        if (!metadata.ContainsKey(NormalizeKey))
        {
            return null;
        }

        return new TransformPipeline(new ImageTransforms { Resize = Size(ResizeKey), CenterCrop = Size(CropKey) }, channels);

        int? Size(string key)
        {
            if (!metadata.TryGetValue(key, out string? text))
            {
                return null;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0
                ? v
                : throw new OnnxExportException($"{onnxPath} records {key} '{text}', not a positive integer.");
        }
    }

    /// <summary>
    /// The unnormalised evaluation pipeline <paramref name="onnxPath"/> records (see <see cref="FromMetadata"/>),
    /// bound to its input's channels, or null when it records none.
    /// </summary>
    /// <exception cref="OnnxExportException">ONNX Runtime cannot load the file, or a recorded size is invalid.</exception>
    public static TransformPipeline? FromModel(string onnxPath)
    {
        try
        {
            using Microsoft.ML.OnnxRuntime.InferenceSession session = new(onnxPath);
            int[] dims = session.InputMetadata.Values.First().Dimensions;
            return dims.Length == 4 && dims[1] is 1 or 3 ? FromMetadata(session.ModelMetadata.CustomMetadataMap, dims[1], onnxPath) : null;
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw new OnnxExportException($"Cannot read {onnxPath}: {e.Message.Split('\n', 2)[0]}", e);
        }
    }

    /// <summary>The sidecar's <c>options.preprocessing</c>: the steps before the graph and the normalisation inside it, or null.</summary>
    public static JsonObject? Json(OnnxExportOptions options) => options.Preprocessing is not { } t
        ? null
        : new JsonObject
        {
            ["resize"] = t.Resize,
            ["center_crop"] = t.CenterCrop,
            ["normalize"] = new JsonObject
            {
                ["preset"] = t.Normalize.Name,
                ["mean"] = options.Mean is null ? null : new JsonArray([.. options.Mean.Select(v => (JsonNode)(double)v)]),
                ["std"] = options.Std is null ? null : new JsonArray([.. options.Std.Select(v => (JsonNode)(double)v)]),
                ["in_graph"] = options.Mean is not null,
            },
        };

    private static bool Disagrees(IReadOnlyList<float>? given, IReadOnlyList<float> run)
    {
        if (given is null)
        {
            return false;
        }

        return (given.Count != 1 && given.Count != run.Count) || run.Where((v, i) => given[given.Count == 1 ? 0 : i] != v).Any();
    }

    private static string Values(IReadOnlyList<float>? values) =>
        values is null ? "none" : string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
