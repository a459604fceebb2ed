using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;

namespace Transfer.Export;

/// <summary>TorchSharp's layers with parameters or hyper-parameters as ONNX nodes, in eval-mode semantics.</summary>
internal static class LayerExport
{
    /// <summary>
    /// Conv (kernel, stride, dilation, groups, bias); zero padding as <c>pads</c>, reflect and replicate
    /// padding as a Pad node in front (circular padding needs opset 19 and is refused).
    /// </summary>
    public static string Conv2d(OnnxGraphBuilder graph, Conv2d conv, string input)
    {
        long[] kernel = conv.kernel_size;
        long[] dilation = conv.dilation ?? [1, 1];
        long[] stride = conv.stride ?? [1, 1];
        long[] padding = Padding(graph, conv, kernel, dilation);
        string x = input;
        long[] pads = [padding[0], padding[1], padding[2], padding[3]];
        if (conv.padding_mode != PaddingModes.Zeros && pads.Any(p => p != 0))
        {
            string mode = conv.padding_mode switch
            {
                PaddingModes.Reflect => "reflect",
                PaddingModes.Replicate => "edge",
                _ => throw ModuleExport.Unsupported(graph, conv, $"padding mode {conv.padding_mode} has no ONNX form at opset {graph.Opset}"),
            };
            string padsInput = graph.Int64Constant("pads", 0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]);
            x = graph.Node("Pad", [x, padsInput], OnnxAttribute.String("mode", mode));
            pads = [0, 0, 0, 0];
        }

        List<string> inputs = [x, graph.Parameter("weight", conv.weight!)];
        if (conv.bias is not null)
        {
            inputs.Add(graph.Parameter("bias", conv.bias));
        }

        return graph.Node(
            "Conv",
            inputs,
            OnnxAttribute.Ints("kernel_shape", kernel),
            OnnxAttribute.Ints("strides", stride),
            OnnxAttribute.Ints("dilations", dilation),
            OnnxAttribute.Ints("pads", pads),
            OnnxAttribute.Int("group", conv.groups));
    }

    /// <summary>Gemm(x, W, b, transB = 1): y = x·Wᵀ + b on <c>[N, in]</c> inputs, with W kept as the state dict holds it.</summary>
    public static string Linear(OnnxGraphBuilder graph, Linear linear, string input)
    {
        List<string> inputs = [input, graph.Parameter("weight", linear.weight!)];
        if (linear.bias is not null)
        {
            inputs.Add(graph.Parameter("bias", linear.bias));
        }

        return graph.Node("Gemm", inputs, OnnxAttribute.Int("transB", 1));
    }

    /// <summary>BatchNormalization with the running statistics (eval mode); without affine, scale 1 and bias 0.</summary>
    public static string BatchNorm(OnnxGraphBuilder graph, NormBase norm, string input)
    {
        if (norm.running_mean is null || norm.running_var is null)
        {
            throw ModuleExport.Unsupported(graph, norm, "it keeps no running statistics (track_running_stats is false), so eval mode normalizes by each batch");
        }

        long features = norm.num_features;
        string scale = norm.weight is null ? graph.Constant("scale", Filled(features, 1f), features) : graph.Parameter("weight", norm.weight);
        string bias = norm.bias is null ? graph.Constant("bias", Filled(features, 0f), features) : graph.Parameter("bias", norm.bias);
        return graph.Node(
            "BatchNormalization",
            [input, scale, bias, graph.Parameter("running_mean", norm.running_mean), graph.Parameter("running_var", norm.running_var)],
            OnnxAttribute.Float("epsilon", (float)norm.eps));
    }

    /// <summary>MaxPool with PyTorch's kernel, stride (default: the kernel), padding, dilation and ceil mode.</summary>
    public static string MaxPool2d(OnnxGraphBuilder graph, MaxPool2d pool, string input)
    {
        long[] kernel = pool.kernel_size;
        long[] padding = pool.padding ?? [0, 0];
        return graph.Node(
            "MaxPool",
            [input],
            OnnxAttribute.Ints("kernel_shape", kernel),
            OnnxAttribute.Ints("strides", pool.stride ?? kernel),
            OnnxAttribute.Ints("pads", padding[0], padding[1], padding[0], padding[1]),
            OnnxAttribute.Ints("dilations", pool.dilation ?? [1, 1]),
            OnnxAttribute.Int("ceil_mode", pool.ceil_mode ? 1 : 0));
    }

    /// <summary>AveragePool with PyTorch's kernel, stride, padding, ceil mode and count_include_pad.</summary>
    public static string AvgPool2d(OnnxGraphBuilder graph, AvgPool2d pool, string input)
    {
        if (pool.divisor_override is not null)
        {
            throw ModuleExport.Unsupported(graph, pool, "divisor_override has no ONNX form");
        }

        long[] kernel = pool.kernel_size;
        long[] padding = pool.padding ?? [0, 0];
        return graph.Node(
            "AveragePool",
            [input],
            OnnxAttribute.Ints("kernel_shape", kernel),
            OnnxAttribute.Ints("strides", pool.stride ?? kernel),
            OnnxAttribute.Ints("pads", padding[0], padding[1], padding[0], padding[1]),
            OnnxAttribute.Int("ceil_mode", pool.ceil_mode ? 1 : 0),
            OnnxAttribute.Int("count_include_pad", pool.count_include_pad ? 1 : 0));
    }

    /// <summary>GlobalAveragePool: the output size 1×1 every built-in model uses (other sizes depend on the input size and are refused).</summary>
    public static string AdaptiveAvgPool2d(OnnxGraphBuilder graph, AdaptiveAvgPool2d pool, string input)
    {
        if (pool.output_size.Any(size => size != 1))
        {
            throw ModuleExport.Unsupported(
                graph, pool, $"output size [{string.Join(", ", pool.output_size)}] depends on the input size; only 1×1 (global average pooling) is exported");
        }

        return graph.Node("GlobalAveragePool", [input]);
    }

    /// <summary>Flatten(start_dim = 1, end_dim = -1), PyTorch's default and the only form ONNX's 2-D Flatten matches.</summary>
    public static string Flatten(OnnxGraphBuilder graph, Flatten flatten, string input)
    {
        if (flatten.start_dim != 1 || flatten.end_dim != -1)
        {
            throw ModuleExport.Unsupported(
                graph,
                flatten,
                string.Create(CultureInfo.InvariantCulture, $"only start_dim 1 and end_dim -1 are exported, not {flatten.start_dim} and {flatten.end_dim}"));
        }

        return graph.Node("Flatten", [input], OnnxAttribute.Int("axis", 1));
    }

    /// <summary>ONNX pads [top, left, bottom, right] for PyTorch's padding (explicit, <c>valid</c> or <c>same</c>).</summary>
    private static long[] Padding(OnnxGraphBuilder graph, Conv2d conv, long[] kernel, long[] dilation)
    {
        if (conv.padding_type is TorchSharp.Padding type)
        {
            if (type == TorchSharp.Padding.Valid)
            {
                return [0, 0, 0, 0];
            }

            // 'same' (stride 1): PyTorch puts the smaller half before and the larger after.
            long totalH = dilation[0] * (kernel[0] - 1);
            long totalW = dilation[1] * (kernel[1] - 1);
            return [totalH / 2, totalW / 2, totalH - (totalH / 2), totalW - (totalW / 2)];
        }

        long[] padding = conv.padding ?? [0, 0];
        if (padding.Length != 2)
        {
            throw ModuleExport.Unsupported(graph, conv, $"padding [{string.Join(", ", padding)}] is not one value per spatial axis");
        }

        return [padding[0], padding[1], padding[0], padding[1]];
    }

    private static float[] Filled(long count, float value) => Enumerable.Repeat(value, checked((int)count)).ToArray();
}
