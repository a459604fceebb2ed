using TorchSharp;
using TorchSharp.Modules;
using Transfer.Models;

namespace Transfer.Export;

/// <summary>
/// Picks how a module becomes ONNX nodes: its own <see cref="IOnnxExportable"/> first, then the TorchSharp
/// layers (<see cref="LayerExport"/>, <see cref="ActivationExport"/>) and Transfer's built-in models
/// (<see cref="BuiltInModelExport"/>); anything else is refused with its type and path.
/// </summary>
internal static class ModuleExport
{
    public static string Emit(OnnxGraphBuilder graph, torch.nn.Module module, string input) => module switch
    {
        IOnnxExportable own => own.ExportOnnx(graph, input),
        Sequential or Mlp => Chain(graph, module, input),
        Conv2d conv => LayerExport.Conv2d(graph, conv, input),
        Linear linear => LayerExport.Linear(graph, linear, input),
        BatchNorm1d or BatchNorm2d => LayerExport.BatchNorm(graph, (NormBase)module, input),
        MaxPool2d pool => LayerExport.MaxPool2d(graph, pool, input),
        AvgPool2d pool => LayerExport.AvgPool2d(graph, pool, input),
        AdaptiveAvgPool2d pool => LayerExport.AdaptiveAvgPool2d(graph, pool, input),
        Flatten flatten => LayerExport.Flatten(graph, flatten, input),
        Dropout => input,
        ReLU => graph.Node("Relu", [input]),
        LeakyReLU leaky => graph.Node("LeakyRelu", [input], OnnxAttribute.Float("alpha", (float)leaky.negative_slope)),
        Sigmoid => graph.Node("Sigmoid", [input]),
        Tanh => graph.Node("Tanh", [input]),
        SiLU => ActivationExport.SiLU(graph, input),
        GELU gelu => ActivationExport.Gelu(graph, gelu, input),
        Softmax softmax => graph.Node("Softmax", [input], OnnxAttribute.Int("axis", softmax.dim)),
        LeNet5 or LeNet6 => BuiltInModelExport.LeNet(graph, module, input),
        ResNet18 resnet => BuiltInModelExport.ResNet18(graph, resnet, input),
        BasicBlock block => BuiltInModelExport.BasicBlock(graph, block, input),
        _ => throw Unsupported(graph, module, "it has no ONNX export; implement IOnnxExportable to export it"),
    };

    /// <summary>The one-line refusal naming the module's type and its path in the model.</summary>
    public static OnnxExportException Unsupported(OnnxGraphBuilder graph, torch.nn.Module module, string why) =>
        new($"Cannot export module '{graph.DisplayPath}' ({module.GetType().Name}) to ONNX: {why}.");

    /// <summary>The child registered under <paramref name="name"/>, which a built-in model always has.</summary>
    public static torch.nn.Module Child(torch.nn.Module module, string name) =>
        module.named_children().First(c => c.name == name).module;

    /// <summary>The child registered under <paramref name="name"/>, or null when the model has none (an optional shortcut).</summary>
    public static torch.nn.Module? OptionalChild(torch.nn.Module module, string name) =>
        module.named_children().FirstOrDefault(c => c.name == name).module;

    private static string Chain(OnnxGraphBuilder graph, torch.nn.Module module, string input)
    {
        string x = input;
        foreach ((string name, torch.nn.Module child) in module.named_children())
        {
            x = graph.Module(name, child, x);
        }

        return x;
    }
}
