using TorchSharp;
using Transfer.Export;
using Transfer.Models;
using static TorchSharp.torch.nn;

namespace Transfer.Tests.Export;

/// <summary>Every supported module, exported alone (with a Flatten after it so the output is [N, features]), equals TorchSharp on random input.</summary>
public sealed class OnnxModuleExportTests
{
    public static TheoryData<string> Cases() => new(ModuleCases.Keys.Order(StringComparer.Ordinal));

    private static readonly Dictionary<string, (Func<torch.nn.Module<torch.Tensor, torch.Tensor>> Make, long[] Chw)> ModuleCases = new()
    {
        ["Conv2d"] = (() => Sequential(Conv2d(3, 4, 3), Flatten()), [3, 9, 9]),
        ["Conv2d stride, padding, dilation, groups"] = (() => Sequential(Conv2d(4, 6, 3, stride: 2, padding: 2, dilation: 2, groups: 2), Flatten()), [4, 11, 10]),
        ["Conv2d without bias"] = (() => Sequential(Conv2d(3, 2, 5, padding: 2, bias: false), Flatten()), [3, 8, 8]),
        ["Conv2d reflect padding"] = (() => Sequential(Conv2d(2, 3, 3, padding: 1, padding_mode: PaddingModes.Reflect), Flatten()), [2, 7, 6]),
        ["Conv2d replicate padding"] = (() => Sequential(Conv2d(2, 3, 3, padding: 1, padding_mode: PaddingModes.Replicate), Flatten()), [2, 7, 6]),
        ["Conv2d same padding"] = (() => Sequential(Conv2d(2, 3, 4, padding: Padding.Same), Flatten()), [2, 7, 6]),
        ["Linear"] = (() => Sequential(Flatten(), Linear(12, 5)), [3, 2, 2]),
        ["Linear without bias"] = (() => Sequential(Flatten(), Linear(12, 5, hasBias: false)), [3, 2, 2]),
        ["ReLU"] = (() => Sequential(ReLU(), Flatten()), [2, 3, 3]),
        ["LeakyReLU"] = (() => Sequential(LeakyReLU(0.1), Flatten()), [2, 3, 3]),
        ["GELU"] = (() => Sequential(GELU(), Flatten()), [2, 3, 3]),
        ["GELU tanh"] = (() => Sequential(GELU(TorchSharp.Modules.GELU.Approximate.tanh), Flatten()), [2, 3, 3]),
        ["SiLU"] = (() => Sequential(SiLU(), Flatten()), [2, 3, 3]),
        ["Sigmoid"] = (() => Sequential(Sigmoid(), Flatten()), [2, 3, 3]),
        ["Tanh"] = (() => Sequential(Tanh(), Flatten()), [2, 3, 3]),
        ["MaxPool2d"] = (() => Sequential(MaxPool2d(2), Flatten()), [2, 8, 7]),
        ["MaxPool2d stride, padding"] = (() => Sequential(MaxPool2d(3, stride: 2, padding: 1), Flatten()), [2, 9, 8]),
        ["MaxPool2d ceil mode"] = (() => Sequential(MaxPool2d(3, stride: 2, ceil_mode: true), Flatten()), [2, 8, 8]),
        ["MaxPool2d dilation"] = (() => Sequential(MaxPool2d(2, stride: 1, dilation: 2), Flatten()), [2, 7, 7]),
        ["AvgPool2d ceil mode"] = (() => Sequential(AvgPool2d(3, stride: 2, ceil_mode: true), Flatten()), [2, 8, 8]),
        ["AvgPool2d"] = (() => Sequential(AvgPool2d(2), Flatten()), [2, 8, 7]),
        ["AvgPool2d padding counted"] = (() => Sequential(AvgPool2d(3, stride: 2, padding: 1), Flatten()), [2, 9, 8]),
        ["AvgPool2d padding not counted"] = (() => Sequential(AvgPool2d(3, stride: 2, padding: 1, count_include_pad: false), Flatten()), [2, 9, 8]),
        ["AdaptiveAvgPool2d"] = (() => Sequential(AdaptiveAvgPool2d(1), Flatten()), [3, 5, 6]),
        ["BatchNorm2d"] = (() => Sequential(BatchNorm2d(3), Flatten()), [3, 4, 4]),
        ["BatchNorm2d without affine"] = (() => Sequential(BatchNorm2d(3, affine: false), Flatten()), [3, 4, 4]),
        ["BatchNorm1d"] = (() => Sequential(Flatten(), BatchNorm1d(12)), [3, 2, 2]),
        ["Dropout"] = (() => Sequential(Dropout(0.5), Flatten()), [2, 3, 3]),
        ["Flatten"] = (() => Sequential(Flatten()), [2, 3, 3]),
        ["Softmax"] = (() => Sequential(Flatten(), Softmax(1)), [2, 3, 3]),
        ["Sequential nested"] = (() => Sequential(Sequential(Conv2d(1, 2, 3), ReLU()), Sequential(Flatten(), Linear(18, 4))), [1, 5, 5]),
        ["BasicBlock identity shortcut"] = (() => Sequential(new BasicBlock(4, 4, 1), Flatten()), [4, 6, 6]),
        ["BasicBlock downsample"] = (() => Sequential(new BasicBlock(4, 8, 2), Flatten()), [4, 6, 6]),
        ["LeNet5"] = (() => new LeNet5(), [1, 28, 28]),
        ["LeNet6"] = (() => new LeNet6(7), [1, 28, 28]),
        ["MLP"] = (() => new Mlp(784, [32, 16], 10), [1, 28, 28]),
        ["MLP without hidden layers"] = (() => new Mlp(12, [], 3), [3, 2, 2]),
        ["ResNet18"] = (() => new ResNet18(10, 1), [1, 32, 32]),
        ["ResNet18 RGB"] = (() => new ResNet18(5, 3), [3, 40, 36]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Exported_module_equals_TorchSharp_on_random_input(string name)
    {
        (Func<torch.nn.Module<torch.Tensor, torch.Tensor>> make, long[] chw) = ModuleCases[name];
        using torch.Generator generator = new(1234);
        using torch.nn.Module<torch.Tensor, torch.Tensor> model = OnnxTestRuns.Randomize(make(), generator);
        using torch.Tensor input = torch.randn([3, .. chw], generator: generator);
        OnnxExportOptions options = new() { Channels = (int)chw[0], Height = (int)chw[1], Width = (int)chw[2] };

        byte[] graph = OnnxExporter.Export(model, options);

        double delta = OnnxTestRuns.MaxAbsDifference(OnnxTestRuns.Torch(model, input), OnnxTestRuns.Onnx(graph, input));
        Assert.True(delta <= 1e-5, $"{name}: max |Δ| = {delta:E3}");
    }
}
