using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using Transfer.Data;
using Transfer.Training;

namespace Transfer.Export;

/// <summary>
/// The class each image is predicted as, by an ONNX file in ONNX Runtime or by a TorchSharp model in eval
/// mode. An ONNX graph gets the images as its input type asks: uint8 pixels, or float in [0, 1] (a graph
/// Transfer exported normalizes inside); its output is labels (int64) or scores: the argmax is taken, except of a
/// one-logit binary head (<c>finetune.loss: bce</c>, scores <c>[N, 1]</c>), which predicts class 1 where the logit's
/// sigmoid is above 0.5, as its training scored it.
/// </summary>
public static class ClassifierPredictions
{
    private const int BatchSize = 256;

    /// <summary>Runs the ONNX model at <paramref name="onnxPath"/> on every image.</summary>
    /// <exception cref="OnnxExportException">ONNX Runtime cannot load the file or run it on these images.</exception>
    public static long[] Onnx(string onnxPath, LabeledTensors data)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        ArgumentNullException.ThrowIfNull(data);
        try
        {
            using InferenceSession session = new(onnxPath);
            string input = session.InputMetadata.Keys.First();
            string output = session.OutputMetadata.Keys.First();
            bool bytes = session.InputMetadata[input].ElementType == typeof(byte);
            bool labels = session.OutputMetadata[output].ElementType == typeof(long);
            List<long> predicted = new(checked((int)data.Count));
            for (long start = 0; start < data.Count; start += BatchSize)
            {
                using DisposeScope scope = torch.NewDisposeScope();
                long size = Math.Min(BatchSize, data.Count - start);
                torch.Tensor images = data.Images.narrow(0, start, size).contiguous();
                using OrtValue feed = bytes
                    ? OrtValue.CreateTensorValueFromMemory(images.mul(255f).round().clamp(0, 255).to_type(torch.uint8).data<byte>().ToArray(), images.shape)
                    : OrtValue.CreateTensorValueFromMemory(images.data<float>().ToArray(), images.shape);
                using RunOptions run = new();
                using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(run, [input], [feed], [output]);
                predicted.AddRange(labels ? outputs[0].GetTensorDataAsSpan<long>().ToArray() : Labels(outputs[0].GetTensorDataAsSpan<float>(), size));
            }

            return [.. predicted];
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxExportException($"ONNX Runtime cannot run {onnxPath} on the data: {e.Message.Split('\n', 2)[0]}", e);
        }
    }

    /// <summary>The class names an exported model records in its metadata (<c>transfer.class_names</c>), or null.</summary>
    public static IReadOnlyList<string>? ClassNames(string onnxPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        try
        {
            using InferenceSession session = new(onnxPath);
            return session.ModelMetadata.CustomMetadataMap.TryGetValue("transfer.class_names", out string? json)
                ? System.Text.Json.JsonSerializer.Deserialize<string[]>(json)
                : null;
        }
        catch (Exception e) when (e is OnnxRuntimeException or System.Text.Json.JsonException)
        {
            throw new OnnxExportException($"Cannot read {onnxPath}: {e.Message.Split('\n', 2)[0]}", e);
        }
    }

    /// <summary>Runs <paramref name="model"/> (eval mode, restored afterwards) on every image, normalized by <paramref name="mean"/> and <paramref name="std"/> when given.</summary>
    public static long[] Torch(torch.nn.Module<torch.Tensor, torch.Tensor> model, LabeledTensors data, IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        bool training = model.training;
        List<long> predicted = new(checked((int)data.Count));
        try
        {
            model.eval();
            using IDisposable noGrad = torch.no_grad();
            for (long start = 0; start < data.Count; start += BatchSize)
            {
                using DisposeScope scope = torch.NewDisposeScope();
                torch.Tensor x = data.Images.narrow(0, start, Math.Min(BatchSize, data.Count - start));
                if (mean is not null)
                {
                    x = x.sub(torch.tensor(mean.ToArray()).reshape(1, mean.Count, 1, 1));
                }

                if (std is not null)
                {
                    x = x.div(torch.tensor(std.ToArray()).reshape(1, std.Count, 1, 1));
                }

                predicted.AddRange(Labels(model.forward(x)).data<long>().ToArray());
            }
        }
        finally
        {
            model.train(training);
        }

        return [.. predicted];
    }

    /// <summary>The class of each row of <paramref name="scores"/> <c>[N, classes]</c>: the argmax, or a one-logit head's binary label.</summary>
    internal static torch.Tensor Labels(torch.Tensor scores) =>
        scores.shape[1] == 1 ? ClassifierLoss.BinaryLabels(scores) : scores.argmax(1);

    /// <summary>The class of each of <paramref name="rows"/> rows of <paramref name="scores"/>: the argmax, or a one-logit head's binary label.</summary>
    internal static long[] Labels(ReadOnlySpan<float> scores, long rows)
    {
        if (rows == 0 || scores.Length != rows)
        {
            return ArgMax(scores, rows);
        }

        using torch.Tensor logits = torch.tensor(scores.ToArray()).reshape(rows, 1);
        using torch.Tensor labels = ClassifierLoss.BinaryLabels(logits);
        return labels.data<long>().ToArray();
    }

    /// <summary>The index of the highest score in each of <paramref name="rows"/> rows (the first on ties).</summary>
    private static long[] ArgMax(ReadOnlySpan<float> scores, long rows)
    {
        int classes = checked((int)(scores.Length / rows));
        long[] best = new long[rows];
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<float> values = scores.Slice(row * classes, classes);
            int top = 0;
            for (int c = 1; c < classes; c++)
            {
                top = values[c] > values[top] ? c : top;
            }

            best[row] = top;
        }

        return best;
    }
}
