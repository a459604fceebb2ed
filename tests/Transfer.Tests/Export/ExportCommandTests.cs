using Onnx;
using Transfer.Cli.Commands;
using Transfer.Models;
using Transfer.Tests.Cli;

namespace Transfer.Tests.Export;

/// <summary><c>transfer export</c>: writes a verified .onnx, or refuses with one line, exit 2 and nothing written.</summary>
public sealed class ExportCommandTests
{
    [Fact]
    public void Export_with_verify_prints_equal_accuracies_and_writes_the_model_with_its_source_hash()
    {
        string folder = TestFolders.New("export-cli");
        string weights = ExportFixtures.Weights(new LeNet6(), 11, Path.Combine(folder, "lenet6.safetensors"));
        string data = ExportFixtures.IdxFolder(300, 12);
        string output = Path.Combine(folder, "lenet6.onnx");
        StringWriter stdout = new();
        StringWriter stderr = new();

        int code = CommandErrors.Run(() => ExportCommand.Run(Request(weights, output, "--verify", data), stdout), stderr);

        Assert.Equal(string.Empty, stderr.ToString());
        Assert.Equal(0, code);
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^verify on .* \(300 images\): TorchSharp accuracy (0\.\d{4}), ONNX Runtime accuracy \1, difference 0\.00 pp, max \|Δ logit\| \d\.\de-\d\d: ok$", lines[0]);
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(weights)));
        Assert.Equal($"wrote {output}: LeNet6, opset 17, input uint8 [batch, 1, 28, 28], output label, weights {weights} (sha256 {sha})", lines[1]);
        ModelProto proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(output));
        Assert.Equal(sha, proto.MetadataProps.Single(p => p.Key == "transfer.source_sha256").Value);
        Assert.Equal((int)TensorProto.Types.DataType.Int64, proto.Graph.Output[0].Type.TensorType.ElemType);

        string onnxSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(output)));
        long size = new FileInfo(output).Length;
        Assert.Equal($"wrote {output}.json: lenet6.onnx sha256 {onnxSha}, {size} bytes", lines[2]);
        using System.Text.Json.JsonDocument record = System.Text.Json.JsonDocument.Parse(File.ReadAllText(output + ".json"));
        System.Text.Json.JsonElement written = record.RootElement.GetProperty("outputs").EnumerateArray().Single();
        Assert.Equal(("lenet6.onnx", onnxSha, size), (written.GetProperty("path").GetString(), written.GetProperty("sha256").GetString(), written.GetProperty("size").GetInt64()));
        System.Text.Json.JsonElement source = record.RootElement.GetProperty("inputs").GetProperty("weights");
        Assert.Equal((weights, sha, new FileInfo(weights).Length), (source.GetProperty("path").GetString(), source.GetProperty("sha256").GetString(), source.GetProperty("size").GetInt64()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, record.RootElement.GetProperty("inputs").GetProperty("config").ValueKind);
        System.Text.Json.JsonElement verification = record.RootElement.GetProperty("verification");
        Assert.Equal((data, 300L, true), (verification.GetProperty("data").GetString(), verification.GetProperty("examples").GetInt64(), verification.GetProperty("passed").GetBoolean()));
        Assert.Equal(("uint8", "label", 17), (record.RootElement.GetProperty("options").GetProperty("input").GetString(), record.RootElement.GetProperty("options").GetProperty("output").GetString(), record.RootElement.GetProperty("options").GetProperty("opset").GetInt32()));
    }

    public static TheoryData<string[], string> BadInputs() => new()
    {
        { ["--out", "{folder}/model.pt"], "error: --out {folder}/model.pt must end in .onnx." },
        { ["--weights", "{folder}/none.safetensors"], "error: --weights {folder}/none.safetensors does not exist." },
        { ["--model", "LeNet7"], "error: Unknown model 'LeNet7'; did you mean 'LeNet5'? Known models: " },
        { ["--model-option", "classes=5"], "error: Weights {folder}/lenet6.safetensors do not fit LeNet6: 'fc.7.weight' is [10, 64] in the file but [5, 64] in the model." },
        { ["--model", "LeNet5"], "error: Weights {folder}/lenet6.safetensors do not fit LeNet5: the file has 'fc.7.bias' and 1 more that the model does not." },
        { ["--model-option", "clases"], "error: --model-option must be key=value, not 'clases'." },
        { ["--opset", "18"], "error: opset 18 is not supported; use 13 to 17 (IR version 8)." },
        { ["--mean", "0.1,0.2", "--std", "0"], "error: mean needs 1 value, not 2; std values must be finite and positive." },
        { ["--std", "a"], "error: --std must be comma-separated numbers, not 'a'." },
        { ["--input-shape", "1,32"], "error: --input-shape must be C,H,W with positive integers (H and W may be '?'), not '1,32'." },
        { ["--input-shape", "1,32,32"], "error: Cannot export LeNet6: it does not accept input [1, 1, 32, 32] (" },
        { ["--verify", "{folder}/nowhere"], "error: {folder}/nowhere: not found: name a folder of IDX files or an image folder, or 'fashion-mnist'" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_one_line_exit_2_and_leaves_the_output_untouched(string[] arguments, string message)
    {
        string folder = TestFolders.New("export-bad");
        string weights = ExportFixtures.Weights(new LeNet6(), 3, Path.Combine(folder, "lenet6.safetensors"));
        string output = Path.Combine(folder, "model.onnx");
        File.WriteAllText(output, "old");
        StringWriter stdout = new();
        StringWriter stderr = new();

        int code = CommandErrors.Run(() => ExportCommand.Run(Request(weights, output, [.. arguments.Select(a => a.Replace("{folder}", folder, StringComparison.Ordinal))]), stdout), stderr);

        Assert.Equal(2, code);
        string expected = message.Replace("{folder}", folder, StringComparison.Ordinal);
        Assert.StartsWith(expected, stderr.ToString(), StringComparison.Ordinal);
        Assert.Single(stderr.ToString().TrimEnd('\n').Split('\n'));
        Assert.Equal("old", File.ReadAllText(output));
        Assert.Equal(2, Directory.GetFiles(folder).Length);
    }

    [Fact]
    public void An_image_folder_without_val_is_named_as_such_not_as_a_folder_missing_idx_files()
    {
        string folder = TestFolders.New("export-photos");
        Directory.CreateDirectory(Path.Combine(folder, "photos", "train", "cat"));
        string weights = ExportFixtures.Weights(new LeNet6(), 3, Path.Combine(folder, "lenet6.safetensors"));

        (int code, string stdout, string stderr) = CliProcess.Run(
            "evaluate", "--model", "LeNet6", "--weights", weights, "--data", Path.Combine(folder, "photos"));

        Assert.Equal((2, string.Empty), (code, stdout));
        Assert.Equal(
            $"error: {folder}/photos: is an image folder without val/: evaluation reads val/<class>/ images (a run's validation.split is drawn from train/, not kept as files); put held-out images in val/<class>/\n",
            stderr);
    }

    [Fact]
    public void Unknown_output_kind_is_a_usage_error_from_the_real_command()
    {
        (int code, string stdout, string stderr) = CliProcess.Run("export", "--model", "LeNet6", "--weights", "w.pt", "--out", "m.onnx", "--output", "scores");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("error: Argument 'scores' not recognized. Must be one of: 'logits', 'probs', 'label' (see 'transfer --help')\n", stderr);
    }

    [Fact]
    public void Run_folder_exports_its_config_model_with_best_weights_and_fashion_mnist_class_names()
    {
        string run = TestFolders.New("export-run");
        File.WriteAllText(Path.Combine(run, "config.yaml"), $$"""
            seed: 0
            source: { path: {{TestLenet5()}}, key: auto }
            target: { model: LeNet6, classes: 10 }
            data: { kind: idx, path: auto }
            finetune: { epochs: 1 }
            """);
        string weights = ExportFixtures.Weights(new LeNet6(), 31, Path.Combine(run, "best.safetensors"));
        string output = Path.Combine(run, "lenet6.onnx");
        StringWriter stdout = new();
        StringWriter stderr = new();
        ExportCommand.Request request = new(null, [], null, null, output, 17, "uint8", null, null, "label", null, ExportFixtures.IdxFolder(50, 32)) { RunFolder = run };

        int code = CommandErrors.Run(() => ExportCommand.Run(request, stdout), stderr);

        Assert.Equal(string.Empty, stderr.ToString());
        Assert.Equal(0, code);
        Assert.Contains($"wrote {output}: LeNet6, opset 17, input uint8 [batch, 1, 28, 28], output label, weights {weights} (sha256 ", stdout.ToString(), StringComparison.Ordinal);
        ModelProto proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(output));
        Assert.Equal(
            """["T-shirt/top","Trouser","Pullover","Dress","Coat","Sandal","Shirt","Sneaker","Bag","Ankle boot"]""",
            proto.MetadataProps.Single(p => p.Key == "transfer.class_names").Value);
    }

    [Fact]
    public void Run_folder_without_best_weights_is_refused()
    {
        string run = TestFolders.New("export-run-empty");
        StringWriter stderr = new();
        ExportCommand.Request request = new(null, [], null, null, Path.Combine(run, "m.onnx"), 17, "float", null, null, "logits", null, null) { RunFolder = run };

        int code = CommandErrors.Run(() => ExportCommand.Run(request, new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal($"error: Run folder {run} has no best.safetensors; export a finished run (or give --model and --weights).\n", stderr.ToString());
        Assert.Empty(Directory.GetFiles(run));
    }

    [Fact]
    public void Run_folder_without_config_or_report_is_refused_naming_the_fix()
    {
        string run = TestFolders.New("export-run-noconfig");
        ExportFixtures.Weights(new LeNet6(), 5, Path.Combine(run, "best.safetensors"));
        StringWriter stderr = new();
        ExportCommand.Request request = new(null, [], null, null, Path.Combine(run, "m.onnx"), 17, "float", null, null, "logits", null, null) { RunFolder = run };

        int code = CommandErrors.Run(() => ExportCommand.Run(request, new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal($"error: Run folder {run} has no config.yaml and no report.json naming its model; name the run's config with --config FILE.\n", stderr.ToString());
        Assert.Equal(["best.safetensors"], Directory.GetFiles(run).Select(Path.GetFileName));
    }

    [Fact]
    public void Run_folder_without_config_takes_the_model_its_report_names_and_refuses_weights_that_need_other_options()
    {
        string run = TestFolders.New("export-run-report");
        ExportFixtures.Weights(new LeNet6(4), 6, Path.Combine(run, "best.safetensors"));
        File.WriteAllText(Path.Combine(run, "report.json"), """{ "source": "lenet5.pt", "target": "LeNet6" }""");
        StringWriter stderr = new();
        ExportCommand.Request request = new(null, [], null, null, Path.Combine(run, "m.onnx"), 17, "float", null, null, "logits", null, null) { RunFolder = run };

        int code = CommandErrors.Run(() => ExportCommand.Run(request, new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal($"error: Weights {run}/best.safetensors do not fit LeNet6: 'fc.7.weight' is [4, 64] in the file but [10, 64] in the model.\n", stderr.ToString());
    }

    private static string TestLenet5()
    {
        string folder = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(folder, "Transfer.sln")))
        {
            folder = Path.GetDirectoryName(folder)!;
        }

        return Path.Combine(folder, "examples", "LeNet5to6", "lenet5.pt");
    }

    /// <summary>A request for LeNet6 with uint8 input and label output; later arguments override (--model, --out, …).</summary>
    private static ExportCommand.Request Request(string weights, string output, params string[] overrides)
    {
        Dictionary<string, List<string>> given = new(StringComparer.Ordinal);
        for (int i = 0; i + 1 < overrides.Length; i += 2)
        {
            given.TryAdd(overrides[i], []);
            given[overrides[i]].Add(overrides[i + 1]);
        }

        string? One(string name, string? fallback) => given.TryGetValue(name, out List<string>? values) ? values[^1] : fallback;
        return new ExportCommand.Request(
            One("--model", "LeNet6")!,
            given.TryGetValue("--model-option", out List<string>? modelOptions) ? modelOptions : [],
            One("--weights", weights)!,
            null,
            One("--out", output)!,
            int.Parse(One("--opset", "17")!, System.Globalization.CultureInfo.InvariantCulture),
            "uint8",
            One("--mean", "0.286"),
            One("--std", "0.353"),
            "label",
            One("--input-shape", null),
            One("--verify", null));
    }
}
