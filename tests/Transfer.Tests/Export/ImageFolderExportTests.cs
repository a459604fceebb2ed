using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using Transfer.Cli.Commands;
using Transfer.Data.Images;
using Transfer.Data.Transforms;
using Transfer.Export;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Tests.Cli;
using Transfer.Tests.Data.Images;
using Transfer.Tests.Models;

namespace Transfer.Tests.Export;

/// <summary>
/// One image-folder run (ResNet18, mixed-size JPEG and PNG photos, resize + random crop + ImageNet
/// normalisation, an <c>export:</c> section), trained once through the CLI for the tests below.
/// </summary>
public sealed class ImageFolderExportRun : IDisposable
{
    public ImageFolderExportRun()
    {
        Dir = TestFolders.New("imagefolder-export");
        Photos = Path.Combine(Dir, "photos");
        PhotoFolder.Create(Photos, ["cat", "dog", "bird"], perClass: 6, minSide: 24, seed: 1);
        string held = Path.Combine(Dir, "held");
        PhotoFolder.Create(held, ["cat", "dog", "bird"], perClass: 2, minSide: 20, seed: 2);
        Directory.Move(Path.Combine(held, "train"), Path.Combine(Photos, "val"));
        ResNet18Source.Write(Path.Combine(Dir, "resnet18-10.pt"), seed: 10);

        string config = Path.Combine(Dir, "run.yaml");
        File.WriteAllText(config, """
            seed: 3
            source: { path: resnet18-10.pt }
            target: { model: ResNet18, classes: 3 }
            data:
              kind: imagefolder
              path: photos
              transforms:
                resize: 40
                random_resized_crop: { size: 32, scale: [0.5, 1.0], ratio: [0.75, 1.3333] }
                horizontal_flip: { p: 0.5 }
                normalize: imagenet
              workers: 1
            finetune:
              device: cpu
              threads: 1
              epochs: 2
              batch_size: 4
              optimizer: { type: sgd, lr: 0.001 }
            export: { file: model.onnx }
            """);
        Run = Path.Combine(Dir, "run");
        (int code, _, string err) = CliProcess.Run("run", config, "--out", Run);
        Assert.True(code == 0, err);
    }

    /// <summary>The temporary folder holding everything.</summary>
    public string Dir { get; }

    /// <summary>The photo folder: train/ and val/, three classes, sizes 20 to 48 pixels a side.</summary>
    public string Photos { get; }

    /// <summary>The run folder.</summary>
    public string Run { get; }

    /// <summary>The run's evaluation transform, as its validation applied it (normalised).</summary>
    internal static TransformPipeline Evaluation { get; } =
        new(new ImageTransforms { Resize = 40, CenterCrop = 32, Normalize = NormalizeSpec.ImageNet }, 3);

    /// <summary>Every validation photo, in name order.</summary>
    public IReadOnlyList<string> ValPhotos => [.. Directory.GetFiles(Path.Combine(Photos, "val"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    /// <summary>The run's best weights in eval mode, on the normalised, transformed photo: the logits the export must reproduce.</summary>
    public float[] TorchLogits(string photo)
    {
        using ResNet18 model = new(3, 3);
        ModelWeights.LoadExact(model, Path.Combine(Run, "best.safetensors"));
        model.eval();
        using torch.Tensor input = torch.tensor(Evaluation.Evaluate(ImageDecoder.Decode(photo)), [1, 3, 32, 32]);
        using torch.Tensor logits = model.forward(input);
        return logits.data<float>().ToArray();
    }

    public void Dispose() => Directory.Delete(Dir, true);
}

/// <summary>
/// Exporting an image-folder run carries its evaluation transform: the graph normalises as the run did (so its
/// outputs on a decoded, resized and cropped photo equal TorchSharp's on the run's normalised tensor), the
/// metadata and sidecar name the normalisation and the steps before the graph, and evaluate, export --verify
/// and predict prepare mixed-size photos the same way.
/// </summary>
public sealed class ImageFolderExportTests(ImageFolderExportRun run) : IClassFixture<ImageFolderExportRun>
{
    private const string ImageNetMean = "[0.48500001430511475,0.4560000002384186,0.4059999883174896]";
    private const string ImageNetStd = "[0.2290000021457672,0.2240000069141388,0.22499999403953552]";

    [Fact]
    public void Export_of_the_run_folder_normalises_in_the_graph_as_the_run_did_and_the_sidecar_names_it()
    {
        string output = Path.Combine(run.Dir, "cli-export.onnx");
        StringWriter stdout = new();
        StringWriter stderr = new();

        int code = CommandErrors.Run(() => ExportCommand.Run(Request(output, null, null, null), stdout), stderr);

        Assert.Equal(string.Empty, stderr.ToString());
        Assert.Equal(0, code);
        Assert.Contains($"wrote {output}: ResNet18, opset 17, input float [batch, 3, 32, 32], output logits", stdout.ToString(), StringComparison.Ordinal);
        AssertMatchesTorch(output);
        using JsonDocument sidecar = JsonDocument.Parse(File.ReadAllText(output + ".json"));
        JsonElement options = sidecar.RootElement.GetProperty("options");
        Assert.Equal(ImageNetMean, options.GetProperty("mean").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
        Assert.Equal(ImageNetStd, options.GetProperty("std").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
        JsonElement preprocessing = options.GetProperty("preprocessing");
        Assert.Equal(40, preprocessing.GetProperty("resize").GetInt32());
        Assert.Equal(32, preprocessing.GetProperty("center_crop").GetInt32());
        Assert.Equal("imagenet", preprocessing.GetProperty("normalize").GetProperty("preset").GetString());
        Assert.True(preprocessing.GetProperty("normalize").GetProperty("in_graph").GetBoolean());
        Dictionary<string, string> metadata = ModelProto.Parser.ParseFrom(File.ReadAllBytes(output)).MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("0.485,0.456,0.406", metadata["transfer.mean"]);
        Assert.Equal("0.229,0.224,0.225", metadata["transfer.std"]);
        Assert.Equal(("40", "32", "imagenet"), (metadata["transfer.resize"], metadata["transfer.center_crop"], metadata["transfer.normalize"]));
    }

    [Fact]
    public void The_runs_own_export_section_normalises_in_the_graph_too()
    {
        AssertMatchesTorch(Path.Combine(run.Run, "model.onnx"));
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Run, "report.json")));
        JsonElement export = report.RootElement.GetProperty("export");
        Assert.True(export.GetProperty("verification").GetProperty("passed").GetBoolean());
        Assert.Equal(ImageNetMean, export.GetProperty("options").GetProperty("mean").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void Explicit_mean_and_std_that_agree_with_the_run_are_accepted()
    {
        string output = Path.Combine(run.Dir, "agreeing.onnx");
        StringWriter stderr = new();

        int code = CommandErrors.Run(() => ExportCommand.Run(Request(output, "0.485,0.456,0.406", "0.229,0.224,0.225", null), new StringWriter()), stderr);

        Assert.Equal(string.Empty, stderr.ToString());
        Assert.Equal(0, code);
        AssertMatchesTorch(output);
    }

    [Fact]
    public void Explicit_mean_and_std_that_disagree_with_the_runs_normalize_are_refused_in_one_line()
    {
        (int code, string stdout, string stderr) = CliProcess.Run("export", run.Run, "--out", Path.Combine(run.Dir, "wrong.onnx"), "--mean", "0.5", "--std", "0.5");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal(
            "error: --mean/--std (0.5 / 0.5) disagree with the run's data.transforms.normalize (imagenet: mean 0.485,0.456,0.406, std 0.229,0.224,0.225), which the model was trained with; leave them out to export the run's\n",
            stderr);
        Assert.False(File.Exists(Path.Combine(run.Dir, "wrong.onnx")));
    }

    [Fact]
    public void Export_verify_on_the_mixed_size_photo_folder_uses_the_runs_evaluation_transform()
    {
        string output = Path.Combine(run.Dir, "verified.onnx");
        StringWriter stdout = new();
        StringWriter stderr = new();

        int code = CommandErrors.Run(() => ExportCommand.Run(Request(output, null, null, run.Photos) with { Input = "uint8" }, stdout), stderr);

        Assert.Equal(string.Empty, stderr.ToString());
        Assert.Equal(0, code);
        Assert.StartsWith($"verify on {run.Photos} (6 images): TorchSharp accuracy {Accuracy():0.0000}, ONNX Runtime accuracy {Accuracy():0.0000}, difference 0.00 pp", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_of_the_export_on_the_mixed_size_photo_folder_resizes_and_crops_as_the_run_did()
    {
        string onnx = Path.Combine(run.Run, "model.onnx");
        StringWriter stdout = new();
        string outDir = Path.Combine(run.Dir, "evaluate");
        Directory.CreateDirectory(outDir);

        int code = EvaluateCommand.Run(onnx, null, [], null, null, null, run.Photos, outDir, stdout);

        Assert.Equal(0, code);
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"accuracy {Accuracy():0.0000} (6 examples)\n"), stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_resizes_and_crops_jpeg_and_png_photos_of_any_size_as_the_run_did()
    {
        string onnx = Path.Combine(run.Run, "model.onnx");
        string[] photos = [.. run.ValPhotos];
        Assert.Contains(photos, p => p.EndsWith(".jpg", StringComparison.Ordinal));
        Assert.Contains(photos, p => p.EndsWith(".png", StringComparison.Ordinal));
        StringWriter stdout = new();

        int code = PredictCommand.Run(onnx, photos, stdout);

        Assert.Equal(0, code);
        string[] classes = ["bird", "cat", "dog"];
        string expected = string.Concat(photos.Select(p => $"{p}: {ArgMax(run.TorchLogits(p))} ({classes[ArgMax(run.TorchLogits(p))]})\n"));
        Assert.Equal(expected, stdout.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Evaluate_of_the_runs_weights_uses_the_run_config_beside_them_for_transform_and_normalize()
    {
        StringWriter stdout = new();
        string outDir = Path.Combine(run.Dir, "evaluate-torch");
        Directory.CreateDirectory(outDir);

        int code = EvaluateCommand.Run(null, "ResNet18", ["classes=3"], Path.Combine(run.Run, "best.safetensors"), null, null, run.Photos, outDir, stdout);

        Assert.Equal(0, code);
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"accuracy {Accuracy():0.0000} (6 examples)\n"), stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_of_the_runs_weights_with_a_disagreeing_mean_is_refused_in_one_line()
    {
        StringWriter stderr = new();

        int code = CommandErrors.Run(
            () => EvaluateCommand.Run(null, "ResNet18", ["classes=3"], Path.Combine(run.Run, "best.safetensors"), "0.5", null, run.Photos, run.Dir, new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal(
            "error: --mean/--std (0.5 / none) disagree with the run's data.transforms.normalize (imagenet: mean 0.485,0.456,0.406, std 0.229,0.224,0.225), which the model was trained with; leave them out to export the run's\n",
            stderr.ToString());
    }

    [Fact]
    public void Export_of_an_image_folder_run_without_its_config_is_refused_in_one_line()
    {
        string folder = Path.Combine(run.Dir, "no-config");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(run.Run, "best.safetensors"), Path.Combine(folder, "best.safetensors"));
        File.Copy(Path.Combine(run.Run, "report.json"), Path.Combine(folder, "report.json"));
        StringWriter stderr = new();
        ExportCommand.Request request = new(null, [], null, null, Path.Combine(folder, "m.onnx"), 17, "float", null, null, "logits", null, null) { RunFolder = folder };

        int code = CommandErrors.Run(() => ExportCommand.Run(request, new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal(
            $"error: Run folder {folder} has no config.yaml, and its report.json records an image-folder run whose transforms the export needs; name the run's config with --config FILE.\n",
            stderr.ToString());
        Assert.False(File.Exists(Path.Combine(folder, "m.onnx")));
    }

    [Fact]
    public void A_run_normalize_that_does_not_fit_the_models_channels_is_refused_in_one_line()
    {
        string config = Path.Combine(run.Dir, "gray-model.yaml");
        File.WriteAllText(config, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(Path.Combine(run.Run, "config.yaml")), "normalize: .*", "normalize: { mean: [0.1, 0.2, 0.3], std: [1, 1, 1] }").Replace("  model: 'ResNet18'\n", "  model: 'ResNet18'\n  in_channels: 1\n", StringComparison.Ordinal));
        StringWriter stderr = new();
        ExportCommand.Request request = new(null, [], null, null, Path.Combine(run.Dir, "two.onnx"), 17, "float", null, null, "logits", null, null) { RunFolder = run.Run, Config = config };

        int code = CommandErrors.Run(() => ExportCommand.Run(request, new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal("error: the run's data.transforms.normalize has 3 values, but the model takes 1-channel images.\n", stderr.ToString());
    }

    [Fact]
    public void An_input_shape_that_the_runs_crop_does_not_make_is_refused_in_one_line()
    {
        StringWriter stderr = new();
        ExportCommand.Request request = Request(Path.Combine(run.Dir, "shape.onnx"), null, null, null) with { InputShape = "3,28,28" };

        int code = CommandErrors.Run(() => ExportCommand.Run(request, new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal("error: the run's evaluation crop makes 32×32 images, but the model takes 28×28; leave out --input-shape\n", stderr.ToString());
        Assert.False(File.Exists(Path.Combine(run.Dir, "shape.onnx")));
    }

    [Fact]
    public void Predict_refuses_an_export_whose_recorded_resize_is_not_a_size()
    {
        string onnx = Path.Combine(run.Dir, "bad-resize.onnx");
        ModelProto proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(run.Run, "model.onnx")));
        proto.MetadataProps.Single(p => p.Key == "transfer.resize").Value = "-4";
        File.WriteAllBytes(onnx, proto.ToByteArray());
        StringWriter stderr = new();

        int code = CommandErrors.Run(() => PredictCommand.Run(onnx, [run.ValPhotos[0]], new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Equal($"error: {onnx} records transfer.resize '-4', not a positive integer.\n", stderr.ToString());
    }

    private double Accuracy()
    {
        string[] classes = ["bird", "cat", "dog"];
        IReadOnlyList<string> photos = run.ValPhotos;
        int correct = photos.Count(p => classes[ArgMax(run.TorchLogits(p))] == Path.GetFileName(Path.GetDirectoryName(p)));
        return (double)correct / photos.Count;
    }

    private void AssertMatchesTorch(string onnx)
    {
        using InferenceSession session = new(onnx);
        TransformPipeline unnormalized = ImageFolderExportRun.Evaluation.Unnormalized();
        foreach (string photo in run.ValPhotos.Take(3))
        {
            float[] pixels = unnormalized.Evaluate(ImageDecoder.Decode(photo));
            using OrtValue feed = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, 32, 32]);
            using RunOptions options = new();
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(options, ["input"], [feed], ["output"]);
            float[] actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            float[] expected = run.TorchLogits(photo);
            Assert.Equal(3, actual.Length);
            double delta = actual.Zip(expected, (a, e) => Math.Abs((double)a - e)).Max();
            Assert.True(delta <= 1e-4, $"{photo}: max |d| {delta}");
        }
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private ExportCommand.Request Request(string output, string? mean, string? std, string? verify) =>
        new(null, [], null, null, output, 17, "float", mean, std, "logits", null, verify) { RunFolder = run.Run };
}
