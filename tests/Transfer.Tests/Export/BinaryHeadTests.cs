using TorchSharp;
using Transfer.Cli.Commands;
using Transfer.Data;
using Transfer.Export;
using Transfer.Formats;
using Transfer.Models;

namespace Transfer.Tests.Export;

/// <summary>
/// A one-logit binary head (what <c>finetune.loss: bce</c> trains): <c>transfer evaluate</c> and <c>transfer predict</c>
/// give class 1 where the logit's sigmoid is above 0.5 (not the argmax of one score, always 0), name the classes from
/// <c>classes.json</c> or the ONNX metadata, and an export of labels or probabilities is refused in one line.
/// </summary>
public sealed class BinaryHeadTests
{
    private static readonly string[] Names = ["cat", "dog"];

    [Fact]
    public void Evaluate_scores_a_one_logit_model_by_its_sigmoid_and_names_the_rows_from_the_classes_json_beside_the_weights()
    {
        string folder = TestFolders.New("evaluate-bce");
        string data = ExportFixtures.IdxFolder(120, 44, classes: 2);
        string weights = Path.Combine(folder, "best.safetensors");
        using (LabeledTensors images = EvaluationData.Load(data))
        using (torch.Generator generator = new(43))
        using (LeNet5 model = OnnxTestRuns.Randomize(new LeNet5(1), generator))
        {
            CenterLogits(model, images.Images);
            CheckpointWriter.Write(weights, StateDictOrder.Entries(model));
        }

        File.WriteAllText(Path.Combine(folder, "classes.json"), "[\n  \"cat\",\n  \"dog\"\n]\n");
        long[] labels;
        long[] expected;
        int classes; // an IDX folder's class count is Fashion-MNIST's 10
        using (LabeledTensors images = EvaluationData.Load(data))
        using (LeNet5 model = new(1))
        {
            ModelWeights.LoadExact(model, weights);
            model.eval();
            using IDisposable noGrad = torch.no_grad();
            using torch.Tensor logits = model.forward(images.Images);
            expected = logits.reshape(-1).sigmoid().gt(0.5).to(torch.int64).data<long>().ToArray();
            labels = images.Labels.data<long>().ToArray();
            classes = (int)images.ClassCount;
        }

        Assert.Equal([0L, 1L], expected.Distinct().Order()); // both classes predicted, so an argmax (always 0) fails
        string report = EvaluationReport.Render(ClassificationEvaluation.From(labels, expected, classes), Names);
        string onnx = Path.Combine(folder, "bce.onnx");
        ExportCommand.Request request = new("LeNet5", ["classes=1"], weights, null, onnx, 17, "float", null, null, "logits", null, null);
        Assert.Equal(0, CommandErrors.Run(() => ExportCommand.Run(request, new StringWriter())));
        StringWriter fromTorch = new();
        StringWriter fromOnnx = new();

        int torchCode = EvaluateCommand.Run(null, "LeNet5", ["classes=1"], weights, null, null, data, Path.Combine(folder, "torch"), fromTorch);
        int onnxCode = EvaluateCommand.Run(onnx, null, [], null, null, null, data, Path.Combine(folder, "onnx"), fromOnnx);

        Assert.Equal((0, 0), (torchCode, onnxCode));
        Assert.Equal($"{report}wrote {Path.Combine(folder, "torch", "confusion.png")}\n", fromTorch.ToString());
        string unnamed = EvaluationReport.Render(ClassificationEvaluation.From(labels, expected, classes)); // --weights export records no names
        Assert.Equal($"{unnamed}wrote {Path.Combine(folder, "onnx", "confusion.png")}\n", fromOnnx.ToString());
    }

    [Fact]
    public void Evaluate_refuses_a_classes_json_beside_the_weights_that_is_not_a_list_of_names()
    {
        string folder = TestFolders.New("evaluate-bce-classes");
        string weights = ExportFixtures.Weights(new LeNet5(1), 43, Path.Combine(folder, "best.safetensors"));
        File.WriteAllText(Path.Combine(folder, "classes.json"), "{\"cat\": 0}");
        string data = ExportFixtures.IdxFolder(8, 44, classes: 2);
        StringWriter stderr = new();

        int code = CommandErrors.Run(
            () => EvaluateCommand.Run(null, "LeNet5", ["classes=1"], weights, null, null, data, folder, new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal($"error: {Path.Combine(folder, "classes.json")} is not a JSON array of class names.\n", stderr.ToString());
        Assert.False(File.Exists(Path.Combine(folder, "confusion.png")));
    }

    [Fact]
    public void Predict_gives_class_one_where_the_sigmoid_of_the_logit_is_above_one_half_with_its_name()
    {
        string folder = TestFolders.New("predict-bce");
        using torch.Generator generator = new(52);
        using LeNet5 model = OnnxTestRuns.Randomize(new LeNet5(1), generator);
        string onnx = Path.Combine(folder, "bce.onnx");
        using torch.Tensor pixels = torch.randint(0, 256, [8, 1, 28, 28], generator: generator).to_type(torch.uint8);
        byte[] all = pixels.data<byte>().ToArray();
        string[] images = [.. Enumerable.Range(0, 8).Select(i => Path.Combine(folder, $"{i}.pgm"))];
        for (int i = 0; i < images.Length; i++)
        {
            File.WriteAllBytes(images[i], [.. "P5\n28 28\n255\n"u8.ToArray(), .. all.AsSpan(i * 784, 784)]);
        }

        model.eval();
        using torch.Tensor input = pixels.to_type(torch.float32).div(255f);
        CenterLogits(model, input);
        using torch.Tensor logits = model.forward(input);
        long[] expected = logits.reshape(-1).sigmoid().gt(0.5).to(torch.int64).data<long>().ToArray();
        Assert.Equal([0L, 1L], expected.Distinct().Order());
        OnnxExporter.Write(model, new OnnxExportOptions { Input = OnnxInputType.UInt8, Output = OnnxOutputKind.Logits, ClassNames = Names }, onnx);
        StringWriter stdout = new();

        int code = CommandErrors.Run(() => PredictCommand.Run(onnx, images, stdout));

        Assert.Equal(0, code);
        Assert.Equal(string.Concat(images.Select((image, i) => $"{image}: {expected[i]} ({Names[expected[i]]})\n")), stdout.ToString());
    }

    /// <summary>Shifts the head's bias so the logits of <paramref name="images"/> straddle 0 (a random head's all have one sign).</summary>
    private static void CenterLogits(LeNet5 model, torch.Tensor images)
    {
        model.eval();
        using IDisposable noGrad = torch.no_grad();
        using torch.Tensor logits = model.forward(images);
        using torch.Tensor median = logits.median();
        model.named_parameters().Last(p => p.name.EndsWith("bias", StringComparison.Ordinal)).parameter.sub_(median);
    }

    [Theory]
    [InlineData("label")]
    [InlineData("probs")]
    public void Export_of_labels_or_probabilities_of_a_one_logit_head_is_refused_in_one_line(string output)
    {
        string folder = TestFolders.New("export-bce");
        string weights = ExportFixtures.Weights(new LeNet5(1), 43, Path.Combine(folder, "best.safetensors"));
        string onnx = Path.Combine(folder, "bce.onnx");
        ExportCommand.Request request = new("LeNet5", ["classes=1"], weights, null, onnx, 17, "float", null, null, output, null, null);
        StringWriter stderr = new();

        int code = CommandErrors.Run(() => ExportCommand.Run(request, new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal(
            $"error: Cannot export to ONNX: output {output} takes an argmax or softmax over classes, which a one-logit (bce) head does not have; use output logits.\n",
            stderr.ToString());
        Assert.False(File.Exists(onnx));
    }
}
