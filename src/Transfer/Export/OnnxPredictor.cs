using Microsoft.ML.OnnxRuntime;
using Transfer.Data;

namespace Transfer.Export;

/// <summary>
/// The label (and class name, when the model records them) an ONNX classifier gives each image file: the argmax of
/// its scores, or for a one-logit binary head (<c>finetune.loss: bce</c>) 1 where the logit's sigmoid is above 0.5.
/// </summary>
public static class OnnxPredictor
{
    /// <summary>Classifies each image (PNG, JPEG, PGM or PPM) one at a time, in order.</summary>
    /// <exception cref="DataFormatException">An image is missing, undecodable, or not the size the model takes.</exception>
    /// <exception cref="OnnxExportException">ONNX Runtime cannot load or run the model.</exception>
    public static IReadOnlyList<(string Image, long Label, string? ClassName)> Predict(string onnxPath, IReadOnlyList<string> images)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        ArgumentNullException.ThrowIfNull(images);
        IReadOnlyList<string>? names = ClassifierPredictions.ClassNames(onnxPath);
        try
        {
            using InferenceSession session = new(onnxPath);
            string input = session.InputMetadata.Keys.First();
            string output = session.OutputMetadata.Keys.First();
            NodeMetadata inputMeta = session.InputMetadata[input];
            int[] dims = inputMeta.Dimensions;
            if (dims.Length != 4 || dims[1] < 1)
            {
                throw new OnnxExportException($"{onnxPath} does not take images [N, C, H, W] with a fixed C.");
            }

            // A model exported from an image-folder run records its evaluation transform: resize and center crop
            // as the run's validation did (the graph normalises); other models take images as they are.
            Transfer.Data.Transforms.TransformPipeline? pipeline = ExportPreprocessing.FromMetadata(session.ModelMetadata.CustomMetadataMap, dims[1], onnxPath);
            bool bytes = inputMeta.ElementType == typeof(byte);
            List<(string, long, string?)> results = new();
            foreach (string image in images)
            {
                (byte[]? pixels, float[]? values, int height, int width) = pipeline is null ? Plain(image, dims[1]) : Transformed(image, pipeline);
                if ((dims[2] > 0 && dims[2] != height) || (dims[3] > 0 && dims[3] != width))
                {
                    string resized = pipeline is null ? "images are not resized" : "after the run's resize and crop";
                    throw new DataFormatException(image, $"is {width}×{height} but {onnxPath} takes {dims[3]}×{dims[2]} images ({resized})");
                }

                long[] shape = [1, dims[1], height, width];
                using OrtValue feed = bytes
                    ? OrtValue.CreateTensorValueFromMemory(pixels ?? [.. values!.Select(v => (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f))], shape)
                    : OrtValue.CreateTensorValueFromMemory(values ?? [.. pixels!.Select(p => p / 255f)], shape);
                using RunOptions run = new();
                using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(run, [input], [feed], [output]);
                long label = session.OutputMetadata[output].ElementType == typeof(long)
                    ? outputs[0].GetTensorDataAsSpan<long>()[0]
                    : ClassifierPredictions.Labels(outputs[0].GetTensorDataAsSpan<float>(), 1)[0];
                results.Add((image, label, names is not null && label >= 0 && label < names.Count ? names[(int)label] : null));
            }

            return results;
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxExportException($"ONNX Runtime cannot run {onnxPath}: {e.Message.Split('\n', 2)[0]}", e);
        }
    }

    private static (byte[]? Pixels, float[]? Values, int Height, int Width) Plain(string image, int channels)
    {
        (byte[] pixels, int height, int width) = PredictionImage.Load(image, channels);
        return (pixels, null, height, width);
    }

    /// <summary>The image through the run's evaluation transform (the one its validation used), pixels in [0, 1].</summary>
    private static (byte[]? Pixels, float[]? Values, int Height, int Width) Transformed(string image, Transfer.Data.Transforms.TransformPipeline pipeline)
    {
        if (!File.Exists(image))
        {
            throw new DataFormatException(image, "does not exist");
        }

        Transfer.Data.Images.RawImage raw = Transfer.Data.Images.ImageDecoder.Decode(image);
        (int height, int width) = pipeline.OutputSize(raw.Height, raw.Width);
        return (null, pipeline.Evaluate(raw), height, width);
    }
}
