using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace Transfer.Tests.Export;

/// <summary>Random weights and inputs from a seeded generator, and the same input through TorchSharp and ONNX Runtime.</summary>
internal static class OnnxTestRuns
{
    /// <summary>Overwrites every floating parameter and buffer with values drawn from <paramref name="generator"/> (variances positive).</summary>
    public static T Randomize<T>(T model, torch.Generator generator)
        where T : torch.nn.Module
    {
        using IDisposable noGrad = torch.no_grad();
        foreach ((string name, torch.Tensor tensor) in model.state_dict())
        {
            if (!tensor.is_floating_point())
            {
                continue;
            }

            using torch.Tensor values = Draw(name, tensor.shape, generator);
            tensor.copy_(values);
        }

        model.eval();
        return model;
    }

    /// <summary>
    /// Values on the scale a trained network keeps its activations at: weights with standard deviation
    /// 1/√fan-in, biases and means near 0, BatchNorm scales near 1 and variances in [0.5, 1.5].
    /// </summary>
    private static torch.Tensor Draw(string name, long[] shape, torch.Generator generator)
    {
        torch.Tensor normal = torch.randn(shape, generator: generator);
        if (name.EndsWith("running_var", StringComparison.Ordinal))
        {
            normal.Dispose();
            return torch.rand(shape, generator: generator).add_(0.5);
        }

        if (shape.Length >= 2)
        {
            long fanIn = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            return normal.div_(Math.Sqrt(fanIn));
        }

        bool isScale = name.EndsWith("weight", StringComparison.Ordinal);
        return isScale ? normal.mul_(0.1).add_(1) : normal.mul_(0.1);
    }

    /// <summary>The model's eval-mode output as floats.</summary>
    public static float[] Torch(torch.nn.Module<torch.Tensor, torch.Tensor> model, torch.Tensor input)
    {
        using IDisposable noGrad = torch.no_grad();
        using torch.Tensor output = model.forward(input);
        return output.contiguous().data<float>().ToArray();
    }

    /// <summary>Runs the exported graph on one input and returns its single output as <typeparamref name="T"/>, with its shape.</summary>
    public static (T[] Values, long[] Shape) Onnx<T>(byte[] graph, OrtValue input)
        where T : unmanaged
    {
        using InferenceSession session = new(graph);
        using RunOptions run = new();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(run, ["input"], [input], ["output"]);
        return (outputs[0].GetTensorDataAsSpan<T>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape);
    }

    /// <summary>Runs the exported graph on a float input.</summary>
    public static float[] Onnx(byte[] graph, torch.Tensor input)
    {
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input.contiguous().data<float>().ToArray(), input.shape);
        return Onnx<float>(graph, value).Values;
    }

    public static double MaxAbsDifference(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)expected[i] - actual[i]));
        }

        return max;
    }
}
