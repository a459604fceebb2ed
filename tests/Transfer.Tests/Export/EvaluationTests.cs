using Transfer.Cli.Commands;
using Transfer.Export;
using Transfer.Models;

namespace Transfer.Tests.Export;

/// <summary><c>transfer evaluate</c> and the evaluation it prints: counts, precision/recall, the table, confusion.png.</summary>
public sealed class EvaluationTests
{
    private static readonly long[] Labels = [0, 0, 1, 2, 2, 2];
    private static readonly long[] Predicted = [0, 1, 1, 2, 2, 0];

    [Fact]
    public void Confusion_matrix_accuracy_precision_and_recall_count_the_pairs()
    {
        ClassificationEvaluation evaluation = ClassificationEvaluation.From(Labels, Predicted, 3);

        Assert.Equal(new long[,] { { 1, 1, 0 }, { 0, 1, 0 }, { 1, 0, 2 } }, evaluation.Confusion);
        Assert.Equal(4.0 / 6, evaluation.Accuracy);
        Assert.Equal([0.5, 0.5, 1.0], Enumerable.Range(0, 3).Select(evaluation.Precision));
        Assert.Equal([0.5, 1.0, 2.0 / 3], Enumerable.Range(0, 3).Select(evaluation.Recall));
    }

    [Fact]
    public void Report_is_a_table_named_by_class_with_precision_and_recall()
    {
        string report = EvaluationReport.Render(ClassificationEvaluation.From(Labels, Predicted, 4), ["cat", "dog", "bird", "fish"]);

        Assert.Equal(
            """
            accuracy 0.6667 (6 examples)

            true \ predicted    0    1    2    3  precision   recall
            cat                 1    1    0    0     0.5000   0.5000
            dog                 0    1    0    0     0.5000   1.0000
            bird                1    0    2    0     1.0000   0.6667
            fish                0    0    0    0          -        -

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            report);
    }

    [Fact]
    public void Evaluate_prints_the_same_report_for_the_onnx_export_and_the_TorchSharp_model_and_writes_confusion_png()
    {
        string folder = TestFolders.New("evaluate");
        string weights = ExportFixtures.Weights(new LeNet5(), 41, Path.Combine(folder, "lenet5.safetensors"));
        string data = ExportFixtures.IdxFolder(120, 42);
        string onnx = Path.Combine(folder, "lenet5.onnx");
        ExportCommand.Request request = new("LeNet5", [], weights, null, onnx, 17, "uint8", "0.3", "0.4", "label", null, null);
        Assert.Equal(0, CommandErrors.Run(() => ExportCommand.Run(request, new StringWriter())));
        StringWriter fromOnnx = new();
        StringWriter fromTorch = new();

        int onnxCode = EvaluateCommand.Run(onnx, null, [], null, null, null, data, Path.Combine(folder, "onnx"), fromOnnx);
        int torchCode = EvaluateCommand.Run(null, "LeNet5", [], weights, "0.3", "0.4", data, Path.Combine(folder, "torch"), fromTorch);

        Assert.Equal((0, 0), (onnxCode, torchCode));
        string Report(StringWriter w) => w.ToString()[..w.ToString().IndexOf("wrote ", StringComparison.Ordinal)];
        Assert.StartsWith("accuracy 0.", fromOnnx.ToString(), StringComparison.Ordinal);
        Assert.Contains(" (120 examples)\n", fromOnnx.ToString(), StringComparison.Ordinal);
        Assert.Equal(Report(fromTorch), Report(fromOnnx));
        byte[] png = File.ReadAllBytes(Path.Combine(folder, "onnx", "confusion.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void Evaluate_refuses_both_an_onnx_file_and_a_model()
    {
        StringWriter stderr = new();

        int code = CommandErrors.Run(() => EvaluateCommand.Run("m.onnx", "LeNet5", [], "w.pt", null, null, "fashion-mnist", ".", new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal("error: give an .onnx file, or --model and --weights, not both.\n", stderr.ToString());
    }
}
