using TorchSharp.Modules;

namespace Transfer.Export;

/// <summary>Activations opset 17 has no single operator for, written out of the ones it has.</summary>
internal static class ActivationExport
{
    /// <summary>SiLU(x) = x · sigmoid(x).</summary>
    public static string SiLU(OnnxGraphBuilder graph, string input) =>
        graph.Node("Mul", [input, graph.Node("Sigmoid", [input])]);

    /// <summary>
    /// GELU: exact 0.5·x·(1 + erf(x/√2)), or with <c>approximate: tanh</c>
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as PyTorch computes them.
    /// </summary>
    public static string Gelu(OnnxGraphBuilder graph, GELU gelu, string input)
    {
        string inner;
        if (gelu.approximate == GELU.Approximate.tanh)
        {
            string cube = graph.Node("Mul", [input, graph.Node("Mul", [input, input])]);
            string sum = graph.Node("Add", [input, graph.Node("Mul", [cube, Scalar(graph, "gelu_coefficient", 0.044715f)])]);
            inner = graph.Node("Tanh", [graph.Node("Mul", [sum, Scalar(graph, "sqrt_2_over_pi", MathF.Sqrt(2f / MathF.PI))])]);
        }
        else
        {
            inner = graph.Node("Erf", [graph.Node("Div", [input, Scalar(graph, "sqrt_2", MathF.Sqrt(2f))])]);
        }

        string onePlus = graph.Node("Add", [inner, Scalar(graph, "one", 1f)]);
        return graph.Node("Mul", [graph.Node("Mul", [input, onePlus]), Scalar(graph, "half", 0.5f)]);
    }

    private static string Scalar(OnnxGraphBuilder graph, string name, float value) => graph.Constant(name, [value]);
}
