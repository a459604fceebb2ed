using TorchSharp;
using Transfer.Export;
using Transfer.Models;

namespace Transfer.Tests.Export;

/// <summary>Exported graphs pass the reference checker, <c>onnx.checker.check_model</c> with full shape inference, in Debian's python3-onnx.</summary>
public sealed class OnnxCheckerTests
{
    private const string CheckScript = """
        import sys, onnx
        model = onnx.load(sys.argv[1])
        onnx.checker.check_model(model, full_check=True)
        print(model.ir_version, model.opset_import[0].version)
        """;

    private static readonly Lazy<bool> OnnxImportable = new(() =>
    {
        if (!PyTorchProcess.Available)
        {
            return false;
        }

        try
        {
            PyTorchProcess.Run("import onnx", "");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    });

    public static TheoryData<string> Models() => new("LeNet5", "LeNet6", "MLP", "ResNet18");

    [SkippableTheory]
    [MemberData(nameof(Models))]
    public void Exported_model_passes_onnx_checker(string name)
    {
        Skip.IfNot(OnnxImportable.Value, "python3 with the onnx module (Debian's python3-onnx) is not installed");
        using torch.nn.Module model = ModelRegistry.Create(name, name == "ResNet18" ? new Dictionary<string, string> { ["classes"] = "10" } : null);
        OnnxExportOptions options = name == "ResNet18"
            ? new OnnxExportOptions { Channels = 3, Height = null, Width = null, Input = OnnxInputType.UInt8, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f], Output = OnnxOutputKind.Label }
            : new OnnxExportOptions { Input = OnnxInputType.UInt8, Mean = [0.5f], Std = [0.25f], Output = OnnxOutputKind.Probabilities };
        string path = Path.Combine(TestFolders.New("onnx-checker"), "model.onnx");

        OnnxExporter.Write(model, options, path);

        Assert.Equal("8 17", PyTorchProcess.Run(CheckScript, path).Trim());
    }
}
