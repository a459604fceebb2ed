using System.Security.Cryptography;
using System.Text.Json;
using Onnx;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Rules.Errors;

namespace Transfer.Tests.FineTuning;

/// <summary>A run config's <c>export:</c> section: exported and verified after training, validated before it.</summary>
[Collection(nameof(InProcessTrainingCollection))]
public sealed class RunExportTests : IDisposable
{
    private readonly string _out = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_out, true);

    private static string Sha(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

    private static RunConfig Config(string export, string transforms = "") => RunConfigReader.Parse(
        $$"""
        seed: 0
        source: { path: ../examples/LeNet5to6/lenet5.pt }
        target: { model: LeNet6, classes: 3 }
        data: { kind: imagefolder, path: data/shapes{{transforms}} }
        finetune: { device: cpu, epochs: 1, batch_size: 16, freeze: ['conv.*'] }
        {{export}}
        """,
        "export-test.yaml",
        Path.Combine(RepoPaths.Root, "configs"));

    [Fact]
    public void The_best_weights_are_exported_verified_on_the_validation_set_and_recorded_with_their_hash()
    {
        // export.mean/std that repeat the run's normalize are accepted (and exported, as the run's would be anyway).
        RunConfig config = Config("export: { file: shapes.onnx, input: uint8, output: label, mean: 0.5, std: [0.25] }", ", transforms: { normalize: { mean: [0.5], std: [0.25] } }");
        FineTuneRun.Execute(config, new FineTuneOptions { OutDir = _out });

        string onnx = Path.Combine(_out, "shapes.onnx");
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "report.json")));
        JsonElement export = report.RootElement.GetProperty("export");
        Assert.True(export.GetProperty("written").GetBoolean());
        Assert.Equal("shapes.onnx", export.GetProperty("file").GetString());
        JsonElement verification = export.GetProperty("verification");
        Assert.True(verification.GetProperty("passed").GetBoolean());
        Assert.Equal(verification.GetProperty("torch_accuracy").GetDouble(), verification.GetProperty("onnx_accuracy").GetDouble());
        int validationImages = Directory.GetFiles(Path.Combine(RepoPaths.Root, "configs", "data", "shapes", "val"), "*", SearchOption.AllDirectories).Length;
        Assert.Equal(validationImages, verification.GetProperty("examples").GetInt32());
        JsonElement written = export.GetProperty("outputs").EnumerateArray().Single();
        Assert.Equal(
            ("shapes.onnx", Sha(onnx), new FileInfo(onnx).Length),
            (written.GetProperty("path").GetString(), written.GetProperty("sha256").GetString(), written.GetProperty("size").GetInt64()));
        string best = Path.Combine(_out, "best.safetensors");
        Assert.Equal(Sha(best), export.GetProperty("inputs").GetProperty("weights").GetProperty("sha256").GetString());

        JsonElement listed = report.RootElement.GetProperty("files").GetProperty("outputs").EnumerateArray().Last();
        Assert.Equal(("shapes.onnx", Sha(onnx)), (listed.GetProperty("path").GetString(), listed.GetProperty("sha256").GetString()));

        ModelProto proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        Assert.Equal(Sha(best), proto.MetadataProps.Single(p => p.Key == "transfer.source_sha256").Value);
        Assert.Equal("""["circle","cross","square"]""", proto.MetadataProps.Single(p => p.Key == "transfer.class_names").Value);
        Assert.Equal((int)TensorProto.Types.DataType.Uint8, proto.Graph.Input[0].Type.TensorType.ElemType);
        Assert.Equal(("0.5", "0.25", "custom"), (Meta("transfer.mean"), Meta("transfer.std"), Meta("transfer.normalize")));
        string Meta(string key) => proto.MetadataProps.Single(p => p.Key == key).Value;

        string yaml = File.ReadAllText(Path.Combine(_out, "config.yaml"));
        Assert.Contains("export:\n  file: 'shapes.onnx'\n  opset: 17\n  input: 'uint8'\n  output: 'label'\n  mean:\n  - 0.5\n  std:\n  - 0.25\n", yaml);
        ExportConfig again = RunConfigReader.Load(Path.Combine(_out, "config.yaml")).Export!;
        Assert.Equal((config.Export!.File, config.Export.Opset, config.Export.Input, config.Export.Output), (again.File, again.Opset, again.Input, again.Output));
        Assert.Equal([0.5f], again.Mean!);
        Assert.Equal([0.25f], again.Std!);
    }

    public static TheoryData<string, string> BadExports() => new()
    {
        { "export: { opset: 18 }", "export: opset 18 is not supported; use 13 to 17 (IR version 8)" },
        { "export: { mean: [0.1, 0.2] }", "export: mean needs 1 value, not 2" },
        { "export: { std: 0 }", "export: std values must be finite and positive" },
        { "export: { outptu: label }", "export-test.yaml:6:11: unknown key 'outptu' in 'export'; did you mean 'output'?" },
        { "export: { output: labels }", "export-test.yaml:6:19: 'export.output' must be one of logits, probs, label, got 'labels'; did you mean 'label'?" },
        { "export: { file: out/m.onnx }", "export-test.yaml:6:17: 'export.file' must be a file name ending in .onnx (written in the run folder), got 'out/m.onnx'" },
        { "export: { mean: [a] }", "export-test.yaml:6:18: 'export.mean' must be a number or a list of numbers" },
        {
            "export: { mean: 0.5, std: 0.25 }",
            "export: export.mean/export.std (0.5 / 0.25) disagree with the run's data.transforms.normalize (none: mean 0, std 1), which the model was trained with; leave them out to export the run's"
        },
    };

    [Theory]
    [MemberData(nameof(BadExports))]
    public void Bad_export_options_fail_before_training_with_one_line_and_write_nothing(string export, string message)
    {
        string outDir = Path.Combine(_out, "run");
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => FineTuneRun.Execute(Config(export), new FineTuneOptions { OutDir = outDir }));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(Directory.Exists(outDir));
    }
}

/// <summary>A run whose export does not compute what the model computes: the run fails after writing its other outputs.</summary>
[Collection(nameof(InProcessTrainingCollection))]
public sealed class RunExportFailureTests : IDisposable
{
    private readonly string _out = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_out, true);

    /// <summary>Doubles its input in TorchSharp but exports as identity: a wrong export, on purpose.</summary>
    private sealed class WrongExport() : TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>("wrong"), Transfer.Export.IOnnxExportable
    {
        public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor input) => input.mul(2);

        public string ExportOnnx(Transfer.Export.OnnxGraphBuilder graph, string input) => input;
    }

    [Fact]
    public void A_failed_verification_ends_the_run_with_one_line_writes_no_model_and_records_the_result()
    {
        using TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> tiny = TinyRun.Model(1);
        string source = Path.Combine(_out, "source.safetensors");
        Transfer.FineTuning.WeightsFile.Write(source, tiny);
        using TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model = TorchSharp.torch.nn.Sequential(
            ("conv", TorchSharp.torch.nn.Sequential(TorchSharp.torch.nn.Conv2d(1, 4, 3), TorchSharp.torch.nn.BatchNorm2d(4), TorchSharp.torch.nn.ReLU())),
            ("fc", TorchSharp.torch.nn.Sequential(TorchSharp.torch.nn.Flatten(), TorchSharp.torch.nn.Linear(4 * 6 * 6, 16), TorchSharp.torch.nn.ReLU(), TorchSharp.torch.nn.Linear(16, 4))),
            ("wrong", new WrongExport()));
        RunConfig config = RunConfigReader.Parse(
            $$"""
            source: { path: {{source}} }
            target: { model: LeNet6 }
            data: { kind: imagefolder, path: data/shapes }
            finetune: { device: cpu, epochs: 1, batch_size: 16 }
            export: {}
            """,
            "wrong.yaml",
            Path.Combine(RepoPaths.Root, "configs"));
        string run = Path.Combine(_out, "run");
        using Transfer.Data.LabeledTensors train = TinyRun.Data(64, 1);
        using Transfer.Data.LabeledTensors validation = TinyRun.Data(32, 2);

        Transfer.Export.OnnxVerificationException e = Assert.Throws<Transfer.Export.OnnxVerificationException>(
            () => FineTuneRun.Execute(config, model, train, validation, new FineTuneOptions { OutDir = run }));

        Assert.StartsWith("export: model.onnx does not match the TorchSharp model on the validation set (TorchSharp accuracy ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith($"and was not written; the run's other outputs are in {run} and report.json records the result", e.Message, StringComparison.Ordinal);
        Assert.Equal((1, "error: " + e.Message), Transfer.Cli.Commands.CommandErrors.Describe(e) is var (code, message) ? (code, "error: " + message) : default);
        Assert.False(File.Exists(Path.Combine(run, "model.onnx")));
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "report.json")));
        JsonElement export = report.RootElement.GetProperty("export");
        Assert.False(export.GetProperty("written").GetBoolean());
        Assert.False(export.GetProperty("verification").GetProperty("passed").GetBoolean());
        Assert.True(export.GetProperty("verification").GetProperty("max_logit_delta").GetDouble() > 1e-4);
        Assert.Empty(export.GetProperty("outputs").EnumerateArray());
        Assert.Equal(
            ["config.yaml", "transferred.safetensors", "best.safetensors", "final.safetensors", "metrics.csv", "curves.png", "report.md"],
            report.RootElement.GetProperty("files").GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("path").GetString()));
        Assert.Equal(JsonValueKind.Null, report.RootElement.GetProperty("files").GetProperty("inputs").GetProperty("data").ValueKind);
    }
}
