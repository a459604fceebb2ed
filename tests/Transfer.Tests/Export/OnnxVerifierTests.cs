using TorchSharp;
using Transfer.Data;
using Transfer.Export;
using Transfer.Models;

namespace Transfer.Tests.Export;

/// <summary>Verification passes a faithful export and fails one that computes something else.</summary>
public sealed class OnnxVerifierTests
{
    [Fact]
    public void Faithful_export_passes_with_equal_accuracies_and_tiny_logit_differences()
    {
        using torch.Generator generator = new(21);
        using LeNet5 model = OnnxTestRuns.Randomize(new LeNet5(), generator);
        using LabeledTensors data = Data(generator, 200);
        OnnxExportOptions options = new() { Input = OnnxInputType.UInt8, Mean = [0.3f], Std = [0.4f], Output = OnnxOutputKind.Probabilities };

        OnnxVerification result = OnnxVerifier.Verify(model, options, OnnxExporter.Export(model, options), data);

        Assert.Equal(200, result.Examples);
        Assert.Equal(result.TorchAccuracy, result.OnnxAccuracy);
        Assert.InRange(result.MaxLogitDelta, 0, 1e-5);
        Assert.True(result.Passed);
    }

    [Fact]
    public void Export_of_other_weights_fails_verification()
    {
        using torch.Generator generator = new(22);
        using LeNet5 exported = OnnxTestRuns.Randomize(new LeNet5(), generator);
        using LeNet5 model = OnnxTestRuns.Randomize(new LeNet5(), generator);
        using LabeledTensors data = Data(generator, 100);
        OnnxExportOptions options = new();

        OnnxVerification result = OnnxVerifier.Verify(model, options, OnnxExporter.Export(exported, options), data);

        Assert.True(result.MaxLogitDelta > OnnxVerification.MaxLogitDifference);
        Assert.False(result.Passed);
    }

    [Fact]
    public void Data_of_another_shape_is_refused_with_both_shapes()
    {
        using torch.Generator generator = new(23);
        using LeNet5 model = new();
        using LabeledTensors data = new(torch.rand([4, 3, 28, 28], generator: generator), torch.zeros([4], torch.int64), 10);
        OnnxExportOptions options = new();

        OnnxExportException error = Assert.Throws<OnnxExportException>(() => OnnxVerifier.Verify(model, options, OnnxExporter.Export(model, options), data));

        Assert.Equal("The data's images are [4, 3, 28, 28] but the exported model takes [N, 1, 28, 28].", error.Message);
    }

    private static LabeledTensors Data(torch.Generator generator, int count) =>
        new(
            torch.randint(0, 256, [count, 1, 28, 28], generator: generator).to_type(torch.float32).div_(255f),
            torch.randint(0, 10, [count], generator: generator),
            10);
}
