using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Transfer.Data;
using Transfer.Data.Transforms;
using Transfer.Export;
using Transfer.Models;

namespace Transfer.Cli.Commands;

/// <summary>
/// <c>transfer evaluate &lt;model.onnx | --model NAME --weights FILE&gt; --data DATA [--out DIR]</c>: accuracy,
/// the confusion matrix and per-class precision/recall on stdout, and <c>confusion.png</c> in the current
/// folder or <c>--out</c>. Rows are named by the ONNX file's class names, or by the <c>classes.json</c> beside
/// <c>--weights</c> (a run folder's). A one-logit binary head (<c>finetune.loss: bce</c>) predicts class 1 where
/// its logit's sigmoid is above 0.5.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        Argument<string?> onnx = new("model.onnx") { Description = "An ONNX classifier (as transfer export writes).", Arity = ArgumentArity.ZeroOrOne };
        Option<string?> model = new("--model") { Description = "A model to evaluate with TorchSharp instead: LeNet5, LeNet6, MLP, ResNet18, or MyModels.dll:MyNamespace.MyNet." };
        Option<string[]> modelOptions = new("--model-option") { Description = "A model option as key=value; repeatable." };
        Option<string?> weights = new("--weights") { Description = "The model's weights (exactly its state dict; a checkpoint file, or a shard index or its folder)." };
        Option<string?> mean = new("--mean") { Description = "Mean subtracted before the TorchSharp model (one value or one per channel)." };
        Option<string?> std = new("--std") { Description = "Standard deviation divided by before the TorchSharp model." };
        Option<string> data = new("--data") { Description = "A folder (IDX files or image folder) or 'fashion-mnist'.", Required = true };
        Option<string?> outDir = new("--out") { Description = "Folder for confusion.png (default: the current folder)." };
        Command command = new("evaluate", "Accuracy, confusion matrix and per-class precision/recall of an ONNX model or a TorchSharp model.")
        {
            onnx, model, modelOptions, weights, mean, std, data, outDir,
        };
        command.SetAction(parse => CommandErrors.Run(() => Run(
            parse.GetValue(onnx), parse.GetValue(model), parse.GetValue(modelOptions) ?? [], parse.GetValue(weights),
            parse.GetValue(mean), parse.GetValue(std), parse.GetValue(data)!, parse.GetValue(outDir) ?? Directory.GetCurrentDirectory(), Console.Out)));
        return command;
    }

    internal static int Run(
        string? onnxPath, string? modelName, IReadOnlyList<string> modelOptions, string? weights, string? mean, string? std, string data, string outDir, TextWriter stdout)
    {
        if ((onnxPath is null) == (modelName is null) || (modelName is null) != (weights is null))
        {
            throw new ModelArguments.Invalid("give an .onnx file, or --model and --weights, not both.");
        }

        if (onnxPath is not null && !File.Exists(onnxPath))
        {
            throw new ModelArguments.Invalid($"{onnxPath} does not exist.");
        }

        if (weights is not null && !File.Exists(weights) && !Directory.Exists(weights))
        {
            throw new ModelArguments.Invalid($"--weights {weights} does not exist.");
        }

        float[]? meanValues = ModelArguments.Floats("--mean", mean);
        float[]? stdValues = ModelArguments.Floats("--std", std);
        if (onnxPath is not null)
        {
            // A model exported from an image-folder run is scored on images resized and cropped as the run's validation did.
            using LabeledTensors onnxImages = EvaluationData.Load(data, ExportPreprocessing.FromModel(onnxPath));
            return Report(onnxImages, ClassifierPredictions.Onnx(onnxPath, onnxImages), ClassifierPredictions.ClassNames(onnxPath), outDir, stdout);
        }

        using TorchSharp.torch.nn.Module created = ModelReference.Create(modelName!, ModelArguments.Options(modelOptions), "--model-option");
        if (created is not TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> classifier)
        {
            throw new ModelArguments.Invalid($"model {modelName} does not map one tensor to one tensor.");
        }

        // Weights from an image-folder run (its config.yaml beside them): the run's evaluation transform, its
        // normalisation applied as --mean/--std would be (which must then agree with it).
        TransformPipeline? pipeline = RunPipelineBeside(weights!, classifier);
        if (pipeline is not null)
        {
            OnnxExportOptions run = ExportPreprocessing.Apply(
                new OnnxExportOptions { Channels = pipeline.Channels, Height = null, Width = null, Mean = meanValues, Std = stdValues }, pipeline, "--mean/--std");
            (meanValues, stdValues) = (run.Mean?.ToArray(), run.Std?.ToArray());
        }

        ModelWeights.LoadExact(classifier, weights!);
        IReadOnlyList<string>? classNames = ClassesBeside(weights!);
        using LabeledTensors images = EvaluationData.Load(data, pipeline?.Unnormalized());
        return Report(images, ClassifierPredictions.Torch(classifier, images, meanValues, stdValues), classNames, outDir, stdout);
    }

    private static int Report(LabeledTensors images, long[] predicted, IReadOnlyList<string>? classNames, string outDir, TextWriter stdout)
    {
        long[] labels = images.Labels.data<long>().ToArray();
        int classes = (int)Math.Max(images.ClassCount, predicted.Length == 0 ? 0 : predicted.Max() + 1);
        ClassificationEvaluation evaluation = ClassificationEvaluation.From(labels, predicted, classes);
        stdout.Write(EvaluationReport.Render(evaluation, classNames));
        string png = Path.Combine(outDir, "confusion.png");
        ConfusionPlot.Write(png, evaluation);
        stdout.WriteLine($"wrote {png}");
        return CommandErrors.Ok;
    }

    /// <summary>
    /// The evaluation transform of the image-folder run whose <c>config.yaml</c> lies beside <paramref name="weights"/>,
    /// bound to the model's input channels (its first convolution's); null for other weights.
    /// </summary>
    private static TransformPipeline? RunPipelineBeside(string weights, TorchSharp.torch.nn.Module model)
    {
        string folder = Directory.Exists(weights) ? weights : Path.GetDirectoryName(Path.GetFullPath(weights))!;
        string config = Path.Combine(folder, "config.yaml");
        if (!File.Exists(config) || !File.Exists(Path.Combine(folder, "report.json")))
        {
            return null;
        }

        Transfer.FineTuning.Config.DataConfig run = Transfer.FineTuning.Config.RunConfigReader.Load(config).Data;
        if (run.Kind != Transfer.FineTuning.Config.DataKind.ImageFolder)
        {
            return null;
        }

        ImageTransforms transforms = run.Transforms;
        int channels = ModelInputShape.Defaults(model)?.Channels
            ?? (int?)model.modules().OfType<TorchSharp.Modules.Conv2d>().FirstOrDefault()?.in_channels
            ?? throw new ModelArguments.Invalid($"{config} is an image-folder run, but model has no convolution to read its input channels from.");
        return transforms.Normalize.For(channels) is null
            ? throw new ModelArguments.Invalid($"{config}: data.transforms.normalize has {transforms.Normalize.Mean.Count} values, but the model takes {channels}-channel images.")
            : new TransformPipeline(transforms, channels);
    }

    /// <summary>The class names of the <c>classes.json</c> beside <paramref name="weights"/> (a run folder's), or null when there is none.</summary>
    private static IReadOnlyList<string>? ClassesBeside(string weights)
    {
        string path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(weights))!, "classes.json");
        if (!File.Exists(path))
        {
            return null;
        }

        string[]? names;
        try
        {
            names = JsonSerializer.Deserialize<string[]>(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            names = null;
        }

        return names is { Length: > 0 } && names.All(n => n is not null)
            ? names
            : throw new ModelArguments.Invalid($"{path} is not a JSON array of class names.");
    }
}
