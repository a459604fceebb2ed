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

            List<(string, long, string?)> results = new();
            foreach (string image in images)
            {
                (byte[] pixels, int height, int width) = PredictionImage.Load(image, dims[1]);
                if ((dims[2] > 0 && dims[2] != height) || (dims[3] > 0 && dims[3] != width))
                {
                    throw new DataFormatException(image, $"is {width}×{height} but {onnxPath} takes {dims[3]}×{dims[2]} images (images are not resized)");
                }

                long[] shape = [1, dims[1], height, width];
                using OrtValue feed = inputMeta.ElementType == typeof(byte)
                    ? OrtValue.CreateTensorValueFromMemory(pixels, shape)
                    : OrtValue.CreateTensorValueFromMemory(pixels.Select(p => p / 255f).ToArray(), shape);
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
}
