using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using Transfer.Data;

namespace Transfer.Export;

/// <summary>
/// Checks an export before it ships: runs the TorchSharp model (eval mode, with the export's mean/std
/// applied in front) and the exported graph in ONNX Runtime on the same images, compares the predictions
/// with the labels and the logits with each other. When the graph's output is probabilities or labels,
/// the logits come from the same export with a logits output, and the accuracy from the graph itself.
/// </summary>
public static class OnnxVerifier
{
    private const int BatchSize = 256;

    /// <summary>Runs both on <paramref name="data"/> and returns the comparison.</summary>
    /// <param name="model">The model that was exported, with the exported weights.</param>
    /// <param name="options">The options it was exported with.</param>
    /// <param name="exported">The exported ONNX model's bytes.</param>
    /// <param name="data">Images <c>[N, C, H, W]</c> in [0, 1] and labels; for a uint8 export both sides get them rounded to whole bytes (what the graph can take).</param>
    /// <exception cref="OnnxExportException">The images do not have the shape the graph takes, or ONNX Runtime rejects the graph.</exception>
    public static OnnxVerification Verify(torch.nn.Module<torch.Tensor, torch.Tensor> model, OnnxExportOptions options, byte[] exported, LabeledTensors data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(exported);
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(options, data.Images.shape);
        byte[] logitsGraph = options.Output == OnnxOutputKind.Logits ? exported : OnnxExporter.Export(model, options with { Output = OnnxOutputKind.Logits });
        using InferenceSession graph = Session(exported);
        using InferenceSession logitsSession = Session(logitsGraph);
        using torch.Tensor? mean = Statistic(options.Mean);
        using torch.Tensor? std = Statistic(options.Std);

        bool training = model.training;
        long count = data.Count;
        long torchCorrect = 0;
        long onnxCorrect = 0;
        double maxDelta = 0;
        try
        {
            model.eval();
            using IDisposable noGrad = torch.no_grad();
            for (long start = 0; start < count; start += BatchSize)
            {
                using DisposeScope scope = torch.NewDisposeScope();
                long size = Math.Min(BatchSize, count - start);
                torch.Tensor images = data.Images.narrow(0, start, size).contiguous();
                if (options.Input == OnnxInputType.UInt8)
                {
                    images = images.mul(255f).round().clamp(0, 255).div(255f); // what the uint8 graph gets (resized pixels are not whole bytes)
                }

                long[] labels = data.Labels.narrow(0, start, size).contiguous().data<long>().ToArray();
                torch.Tensor input = images;
                if (mean is not null)
                {
                    input = input.sub(mean);
                }

                if (std is not null)
                {
                    input = input.div(std);
                }

                torch.Tensor torchLogits = model.forward(input).contiguous();
                float[] expected = torchLogits.data<float>().ToArray();
                long[] torchPredicted = ClassifierPredictions.Labels(torchLogits).data<long>().ToArray();
                using OrtValue feed = Feed(options, images);
                float[] actual = Run<float>(logitsSession, feed);
                if (actual.Length != expected.Length)
                {
                    throw new OnnxExportException($"The exported graph returned {actual.Length} logits for {size} images, the model {expected.Length}.");
                }

                for (int i = 0; i < actual.Length; i++)
                {
                    maxDelta = Math.Max(maxDelta, Math.Abs((double)actual[i] - expected[i]));
                }

                long[] onnxPredicted = Predictions(graph, feed, options.Output, size);
                for (int i = 0; i < size; i++)
                {
                    torchCorrect += torchPredicted[i] == labels[i] ? 1 : 0;
                    onnxCorrect += onnxPredicted[i] == labels[i] ? 1 : 0;
                }
            }
        }
        finally
        {
            model.train(training);
        }

        return new OnnxVerification(count, count == 0 ? 0 : (double)torchCorrect / count, count == 0 ? 0 : (double)onnxCorrect / count, maxDelta);
    }

    private static void CheckShape(OnnxExportOptions options, long[] shape)
    {
        bool fits = shape.Length == 4 && shape[1] == options.Channels
            && (options.Height is null || shape[2] == options.Height) && (options.Width is null || shape[3] == options.Width);
        if (!fits)
        {
            string h = options.Height?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "height";
            string w = options.Width?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "width";
            throw new OnnxExportException(
                $"The data's images are [{string.Join(", ", shape)}] but the exported model takes [N, {options.Channels}, {h}, {w}].");
        }
    }

    private static InferenceSession Session(byte[] model)
    {
        try
        {
            return new InferenceSession(model);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxExportException($"ONNX Runtime rejects the exported graph: {e.Message.Split('\n', 2)[0]}", e);
        }
    }

    private static torch.Tensor? Statistic(IReadOnlyList<float>? values) =>
        values is null ? null : torch.tensor(values.ToArray()).reshape(1, values.Count, 1, 1);

    /// <summary>The images as the graph takes them: float in [0, 1], or the original bytes (x · 255 is exact for x = b / 255).</summary>
    private static OrtValue Feed(OnnxExportOptions options, torch.Tensor images)
    {
        long[] shape = images.shape;
        if (options.Input == OnnxInputType.UInt8)
        {
            byte[] pixels = images.mul(255f).round().clamp(0, 255).to_type(torch.uint8).data<byte>().ToArray();
            return OrtValue.CreateTensorValueFromMemory(pixels, shape);
        }

        return OrtValue.CreateTensorValueFromMemory(images.data<float>().ToArray(), shape);
    }

    private static T[] Run<T>(InferenceSession session, OrtValue feed)
        where T : unmanaged
    {
        using RunOptions run = new();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(run, [OnnxExporter.InputName], [feed], [OnnxExporter.OutputName]);
        return outputs[0].GetTensorDataAsSpan<T>().ToArray();
    }

    private static long[] Predictions(InferenceSession graph, OrtValue feed, OnnxOutputKind output, long size)
    {
        if (output == OnnxOutputKind.Label)
        {
            return Run<long>(graph, feed);
        }

        return ClassifierPredictions.Labels(Run<float>(graph, feed), size);
    }
}
