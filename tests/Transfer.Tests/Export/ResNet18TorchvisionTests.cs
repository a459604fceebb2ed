using System.Runtime.InteropServices;
using TorchSharp;
using Transfer.Export;
using Transfer.Formats;
using Transfer.Models;

namespace Transfer.Tests.Export;

/// <summary>
/// ResNet18 (10 classes) exported from Transfer weights gives, in ONNX Runtime, the logits torchvision's
/// resnet18 gives in PyTorch with the same weights (loaded strictly: the keys are torchvision's).
/// </summary>
public sealed class ResNet18TorchvisionTests
{
    private const string TorchvisionScript = """
        import sys, numpy, torch, torchvision
        folder = sys.argv[1]
        model = torchvision.models.resnet18(num_classes=10)
        model.load_state_dict(torch.load(folder + "/weights.pt"), strict=True)
        model.eval()
        x = torch.from_numpy(numpy.fromfile(folder + "/input.f32", dtype="<f4").reshape(2, 3, 224, 224))
        with torch.no_grad():
            model(x).numpy().astype("<f4").tofile(folder + "/logits.f32")
        """;

    [SkippableFact]
    public void Exported_ResNet18_equals_torchvision_resnet18_with_the_same_weights()
    {
        Skip.IfNot(PyTorchProcess.Available, "/usr/bin/python3 cannot import torch");
        string folder = TestFolders.New("resnet18-torchvision");
        using torch.Generator generator = new(18);
        using ResNet18 model = OnnxTestRuns.Randomize(new ResNet18(10, 3), generator);
        CheckpointWriter.Write(Path.Combine(folder, "weights.pt"), StateDictOrder.Entries(model));
        using torch.Tensor input = torch.randn([2, 3, 224, 224], generator: generator);
        File.WriteAllBytes(Path.Combine(folder, "input.f32"), MemoryMarshal.AsBytes(input.data<float>().ToArray().AsSpan()).ToArray());
        byte[] graph = OnnxExporter.Export(model, new OnnxExportOptions { Channels = 3, Height = null, Width = null });

        float[] onnx = OnnxTestRuns.Onnx(graph, input);
        PyTorchProcess.Run(TorchvisionScript, folder);
        float[] torchvision = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(folder, "logits.f32"))).ToArray();

        Assert.Equal(20, torchvision.Length);
        double delta = OnnxTestRuns.MaxAbsDifference(torchvision, onnx);
        Assert.True(delta <= 1e-4, $"max |Δ| = {delta:E3}");
        Assert.True(torchvision.Max(Math.Abs) > 0.1, "the logits are too small for the comparison to mean anything");
    }
}
