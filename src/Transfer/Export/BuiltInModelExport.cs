using TorchSharp;
using Transfer.Models;

namespace Transfer.Export;

/// <summary>
/// Transfer's built-in models, whose forward passes call functions between their children (ReLU, flatten,
/// the residual add), written as the same nodes. Tests compare each with its TorchSharp forward.
/// </summary>
internal static class BuiltInModelExport
{
    /// <summary>LeNet5 and LeNet6: <c>conv</c> then <c>fc</c>.</summary>
    public static string LeNet(OnnxGraphBuilder graph, torch.nn.Module model, string input) =>
        graph.Module("fc", ModuleExport.Child(model, "fc"), graph.Module("conv", ModuleExport.Child(model, "conv"), input));

    /// <summary>conv1, bn1, ReLU, maxpool, layer1–4, avgpool, flatten, fc.</summary>
    public static string ResNet18(OnnxGraphBuilder graph, ResNet18 model, string input)
    {
        string x = Run(graph, model, input, "conv1", "bn1");
        x = graph.Node("Relu", [x]);
        x = Run(graph, model, x, "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool");
        x = graph.Node("Flatten", [x], OnnxAttribute.Int("axis", 1));
        return Run(graph, model, x, "fc");
    }

    /// <summary>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut being <c>downsample</c> or the identity.</summary>
    public static string BasicBlock(OnnxGraphBuilder graph, BasicBlock block, string input)
    {
        string x = graph.Node("Relu", [Run(graph, block, input, "conv1", "bn1")]);
        x = Run(graph, block, x, "conv2", "bn2");
        torch.nn.Module? downsample = ModuleExport.OptionalChild(block, "downsample");
        string shortcut = downsample is null ? input : graph.Module("downsample", downsample, input);
        return graph.Node("Relu", [graph.Node("Add", [x, shortcut])]);
    }

    private static string Run(OnnxGraphBuilder graph, torch.nn.Module model, string input, params string[] children)
    {
        string x = input;
        foreach (string name in children)
        {
            x = graph.Module(name, ModuleExport.Child(model, name), x);
        }

        return x;
    }
}
