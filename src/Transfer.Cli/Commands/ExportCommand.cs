using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Transfer.Data;
using Transfer.Data.Transforms;
using Transfer.Export;
using Transfer.IO;
using Transfer.Models;
using Transfer.Versioning;

namespace Transfer.Cli.Commands;

/// <summary>
/// <c>transfer export --model NAME --weights FILE --out MODEL.onnx [...]</c> (or <c>transfer export RUN_FOLDER --out …</c>,
/// taking the run config's model and options and its best weights): exports a built-in (or registered)
/// model with exactly-fitting weights to ONNX, optionally verifying it in ONNX Runtime against TorchSharp on
/// labelled data. Everything is validated (and verified) before the file is written; a failed verification
/// writes nothing and exits 1. Beside the model goes <c>&lt;out&gt;.json</c> (<see cref="ExportRecord"/>): its
/// SHA-256 and size, the weights' (and config's) SHA-256, the options and the verification result.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        Argument<string?> run = new("run") { Description = "A run folder of 'transfer run': its config's model and options, its best.safetensors.", Arity = ArgumentArity.ZeroOrOne };
        Option<string?> config = new("--config") { Description = "The run's config, when the run folder holds no config.yaml." };
        Option<string?> model = new("--model") { Description = "A built-in model (LeNet5, LeNet6, MLP, ResNet18), or a module type in your assembly (MyModels.dll:MyNamespace.MyNet)." };
        Option<string[]> modelOptions = new("--model-option")
        {
            Description = "A model option as key=value (classes=10, in_channels=1, hidden=256,128); repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        Option<string?> weights = new("--weights") { Description = "The model's weights: exactly its state dict, in any readable format (a shard index or its folder too)." };
        Option<string?> key = TransferOptions.Key();
        Option<string> output = new("--out") { Description = "The .onnx file to write (atomically).", Required = true };
        Option<int> opset = new("--opset") { Description = "The ONNX opset, 13 to 17.", DefaultValueFactory = _ => OnnxExportOptions.MaxOpset };
        Option<string> input = new("--input") { Description = "What the graph takes: float pixels in [0, 1], or raw uint8 pixels.", DefaultValueFactory = _ => "float" };
        input.AcceptOnlyFromAmong("float", "uint8");
        Option<string?> mean = new("--mean") { Description = "Mean subtracted inside the graph after scaling to [0, 1]: one value or one per channel, comma-separated." };
        Option<string?> std = new("--std") { Description = "Standard deviation divided by inside the graph: one value or one per channel, comma-separated." };
        Option<string> kind = new("--output") { Description = "What the graph returns: logits, probs (Softmax) or label (ArgMax, int64).", DefaultValueFactory = _ => "logits" };
        kind.AcceptOnlyFromAmong("logits", "probs", "label");
        Option<string?> shape = new("--input-shape") { Description = "C,H,W of the input (H and W may be '?', dynamic); default: the built-in model's." };
        Option<string?> verify = new("--verify") { Description = "Check the export in ONNX Runtime against TorchSharp on this data: a folder (IDX files or image folder) or 'fashion-mnist'." };

        Command command = new("export", "Export a model with its weights to ONNX, with pre- and post-processing in the graph.")
        {
            run, config, model, modelOptions, weights, key, output, opset, input, mean, std, kind, shape, verify,
        };
        command.SetAction(parse => CommandErrors.Run(() => Run(
            new Request(
                parse.GetValue(model),
                parse.GetValue(modelOptions) ?? [],
                parse.GetValue(weights),
                parse.GetValue(key),
                parse.GetValue(output)!,
                parse.GetValue(opset),
                parse.GetValue(input)!,
                parse.GetValue(mean),
                parse.GetValue(std),
                parse.GetValue(kind)!,
                parse.GetValue(shape),
                parse.GetValue(verify))
            {
                RunFolder = parse.GetValue(run),
                Config = parse.GetValue(config),
            },
            Console.Out)));
        return command;
    }

    internal static int Run(Request request, TextWriter stdout)
    {
        if (!string.Equals(Path.GetExtension(request.Out), ".onnx", StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelArguments.Invalid($"--out {request.Out} must end in .onnx.");
        }

        (string modelName, Dictionary<string, string> modelOptions, string weightsPath, IReadOnlyList<string>? classNames, string? configPath, ImageTransforms? transforms) = Source(request);
        if (!File.Exists(weightsPath) && !Directory.Exists(weightsPath))
        {
            throw new ModelArguments.Invalid($"--weights {weightsPath} does not exist.");
        }

        using TorchSharp.torch.nn.Module created = ModelReference.Create(modelName, modelOptions, "--model-option");
        if (created is not TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model)
        {
            throw new ModelArguments.Invalid($"model {modelName} does not map one tensor to one tensor, so it cannot be exported.");
        }

        OnnxExportOptions options = Options(request, modelName, model) with { ClassNames = classNames };
        TransformPipeline? pipeline = null;
        if (transforms is not null)
        {
            // An image-folder run: its evaluation transform goes into the export (normalize in the graph), as trained.
            pipeline = transforms.Normalize.For(options.Channels) is null
                ? throw new ModelArguments.Invalid($"the run's data.transforms.normalize has {transforms.Normalize.Mean.Count} values, but the model takes {options.Channels}-channel images.")
                : new TransformPipeline(transforms, options.Channels);
            options = ExportPreprocessing.Apply(options, pipeline, "--mean/--std");
        }

        IReadOnlyList<string> problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ModelArguments.Invalid($"{string.Join("; ", problems)}.");
        }

        using LabeledTensors? data = request.Verify is null ? null : EvaluationData.Load(request.Verify, pipeline?.Unnormalized());
        string sha256 = ModelWeights.LoadExact(model, weightsPath, request.Key, out IReadOnlyList<string> weightFiles);
        string weightsShown = weightFiles.Count == 1 ? weightsPath : $"{weightFiles[0]} and its {weightFiles.Count - 1} shards";
        options = options with { SourceSha256 = sha256 };
        byte[] bytes = OnnxExporter.Export(model, options);
        OnnxVerification? verification = null;
        if (data is not null)
        {
            OnnxVerification result = OnnxVerifier.Verify(model, options, bytes, data);
            verification = result;
            stdout.WriteLine(Describe(request.Verify!, result));
            if (!result.Passed)
            {
                stdout.WriteLine($"not written: {request.Out} (the export does not match the TorchSharp model)");
                return CommandErrors.PlanFailed;
            }
        }

        OnnxExporter.WriteFile(request.Out, bytes);
        stdout.WriteLine(
            $"wrote {request.Out}: {model.GetType().Name}, opset {options.Opset}, input {request.Input} [batch, {options.Channels}, {Dim(options.Height, "height")}, {Dim(options.Width, "width")}], output {request.Output}, weights {weightsShown} (sha256 {sha256})");
        JsonObject record = ExportRecord.Json(request.Out, weightFiles[0], configPath, options, request.Verify, verification, weightFiles.Skip(1).ToList());
        string sidecar = ExportRecord.SidecarPath(request.Out);
        AtomicFile.WriteAllText(sidecar, ExportRecord.Text(record));
        JsonNode written = record["outputs"]![0]!;
        stdout.WriteLine($"wrote {sidecar}: {Path.GetFileName(request.Out)} sha256 {written["sha256"]}, {written["size"]} bytes");
        return CommandErrors.Ok;
    }

    /// <summary>The verification line: both accuracies, their difference and the largest logit difference.</summary>
    internal static string Describe(string data, OnnxVerification result) => string.Create(
        CultureInfo.InvariantCulture,
        $"verify on {data} ({result.Examples} images): TorchSharp accuracy {result.TorchAccuracy:0.0000}, ONNX Runtime accuracy {result.OnnxAccuracy:0.0000}, difference {result.AccuracyDifferencePoints:0.00} pp, max |Δ logit| {result.MaxLogitDelta:0.0e+00}: {(result.Passed ? "ok" : $"FAILED (limits {OnnxVerification.MaxAccuracyDifferencePoints} pp, {OnnxVerification.MaxLogitDifference:0e+00})")}");

    /// <summary>The model, its options, the weights and the class names: from the run folder, or from --model and --weights.</summary>
    private static (string Model, Dictionary<string, string> Options, string Weights, IReadOnlyList<string>? Classes, string? Config, ImageTransforms? Transforms) Source(Request request)
    {
        if (request.RunFolder is null)
        {
            if (request.Model is null || request.Weights is null)
            {
                throw new ModelArguments.Invalid("give --model and --weights, or a run folder.");
            }

            return (request.Model, ModelArguments.Options(request.ModelOptions), request.Weights, null, null, null);
        }

        if (request.Model is not null || request.Weights is not null || request.ModelOptions.Count > 0)
        {
            throw new ModelArguments.Invalid($"give a run folder ({request.RunFolder}) or --model and --weights, not both.");
        }

        RunExportSource run = RunExportSource.Read(request.RunFolder, request.Config);
        string config = request.Config ?? Path.Combine(request.RunFolder, "config.yaml");
        return (run.Model, new Dictionary<string, string>(run.ModelOptions, StringComparer.Ordinal), run.Weights, run.ClassNames, File.Exists(config) ? config : null, run.Transforms);
    }

    private static OnnxExportOptions Options(Request request, string modelName, TorchSharp.torch.nn.Module model)
    {
        OnnxExportOptions options = request.InputShape is null
            ? ModelInputShape.Defaults(model) ?? throw new ModelArguments.Invalid($"model {modelName} has no default input shape; give --input-shape C,H,W.")
            : Shape(request.InputShape);
        return options with
        {
            Opset = request.Opset,
            Input = request.Input == "uint8" ? OnnxInputType.UInt8 : OnnxInputType.Float,
            Output = request.Output switch
            {
                "probs" => OnnxOutputKind.Probabilities,
                "label" => OnnxOutputKind.Label,
                _ => OnnxOutputKind.Logits,
            },
            Mean = ModelArguments.Floats("--mean", request.Mean),
            Std = ModelArguments.Floats("--std", request.Std),
        };
    }

    private static OnnxExportOptions Shape(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        int?[] dims = parts.Select(p => p == "?" ? (int?)null : int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : -1).ToArray();
        if (parts.Length != 3 || dims.Any(d => d == -1) || dims[0] is null)
        {
            throw new ModelArguments.Invalid($"--input-shape must be C,H,W with positive integers (H and W may be '?'), not '{text}'.");
        }

        return new OnnxExportOptions { Channels = dims[0]!.Value, Height = dims[1], Width = dims[2] };
    }

    private static string Dim(int? size, string name) => size?.ToString(CultureInfo.InvariantCulture) ?? name;

    /// <summary>The parsed command line.</summary>
    internal sealed record Request(
        string? Model,
        IReadOnlyList<string> ModelOptions,
        string? Weights,
        string? Key,
        string Out,
        int Opset,
        string Input,
        string? Mean,
        string? Std,
        string Output,
        string? InputShape,
        string? Verify)
    {
        /// <summary>A run folder to export instead of --model and --weights.</summary>
        public string? RunFolder { get; init; }

        /// <summary>The run's config when the folder holds no config.yaml.</summary>
        public string? Config { get; init; }
    }
}
