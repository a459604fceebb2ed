using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Transfer.Data;
using Transfer.Data.Transforms;
using Transfer.Export;
using Transfer.FineTuning.Config;
using Transfer.Versioning;
using static TorchSharp.torch;

namespace Transfer.FineTuning;

/// <summary>
/// A run's <c>export:</c> section: checked with the fresh model before training (<see cref="Problems"/>), then,
/// after training, the best weights exported, verified on the validation set in ONNX Runtime, and written
/// into the run folder only when the verification passes (<see cref="Execute"/>).
/// </summary>
internal static class RunExport
{
    /// <summary>
    /// The export options for <paramref name="model"/>: a built-in model's input shape, else the run's images'
    /// (<paramref name="imageShape"/>, <c>[N, C, H, W]</c>); null when neither is known. An image-folder run's
    /// evaluation transform (<paramref name="pipeline"/>) is carried in (<see cref="ExportPreprocessing.Apply"/>).
    /// </summary>
    /// <exception cref="OnnxExportException">export.mean/std disagree with the run's normalisation.</exception>
    public static OnnxExportOptions? Options(ExportConfig export, nn.Module model, IReadOnlyList<long>? imageShape, TransformPipeline? pipeline)
    {
        OnnxExportOptions? shape = ModelInputShape.Defaults(model)
            ?? (imageShape is [_, long c, long h, long w] ? new OnnxExportOptions { Channels = checked((int)c), Height = checked((int)h), Width = checked((int)w) } : null);
        if (shape is null)
        {
            return null;
        }

        OnnxExportOptions options = shape with { Opset = export.Opset, Input = export.Input, Output = export.Output, Mean = export.Mean, Std = export.Std };
        return pipeline is null ? options : ExportPreprocessing.Apply(options, pipeline, "export.mean/export.std");
    }

    /// <summary>What is wrong with the export before training: its options, and whether the model exports at all.</summary>
    public static IEnumerable<RunProblem> Problems(ExportConfig? export, nn.Module model, IReadOnlyList<long>? imageShape, TransformPipeline? pipeline = null)
    {
        if (export is null)
        {
            return [];
        }

        OnnxExportOptions? options;
        try
        {
            options = Options(export, model, imageShape, pipeline);
        }
        catch (OnnxExportException e)
        {
            return [new RunProblem("export", e.Message)];
        }

        if (options is null)
        {
            return [new RunProblem("export", $"the target model ({model.GetType().Name}) has no known input shape to export with")];
        }

        List<RunProblem> problems = options.Problems().Select(p => new RunProblem("export", p)).ToList();
        if (problems.Count == 0)
        {
            try
            {
                OnnxExporter.Export(model, options); // an unsupported module fails now, not after hours of training
            }
            catch (OnnxExportException e)
            {
                problems.Add(new RunProblem("export", e.Message));
            }
        }

        return problems;
    }

    /// <summary>
    /// Loads <c>best.safetensors</c> into <paramref name="model"/>, exports it, verifies the graph on
    /// <paramref name="validation"/> and writes it into <paramref name="outDir"/> when it passes. For an
    /// image-folder run (<paramref name="pipeline"/>) the graph normalises as the run did, so
    /// <paramref name="validation"/> must then be the unnormalised evaluation images.
    /// </summary>
    /// <returns>The record for report.json's <c>export</c> section and the verification.</returns>
    public static (JsonObject Record, OnnxVerification Verification) Execute(
        ExportConfig export, nn.Module<Tensor, Tensor> model, string outDir, LabeledTensors validation, string validationName,
        IReadOnlyList<string>? classNames, ILogger log, TransformPipeline? pipeline = null)
    {
        string best = Path.Combine(outDir, "best.safetensors");
        OnnxExportOptions options = Options(export, model, validation.Images.shape, pipeline)!;
        string sha = ModelWeights.LoadExact(model, best);
        options = options with { SourceSha256 = sha, ClassNames = classNames };
        byte[] bytes = OnnxExporter.Export(model, options);
        OnnxVerification verification = OnnxVerifier.Verify(model, options, bytes, validation);
        string path = Path.Combine(outDir, export.File);
        if (verification.Passed)
        {
            OnnxExporter.WriteFile(path, bytes);
        }

        log.LogInformation(
            "Export {File}: TorchSharp accuracy {Torch:F4}, ONNX Runtime accuracy {Onnx:F4}, max |Δ logit| {Delta:0.0e+00} on {Examples} validation examples: {Result}",
            export.File, verification.TorchAccuracy, verification.OnnxAccuracy, verification.MaxLogitDelta, verification.Examples,
            verification.Passed ? "ok" : "FAILED, not written");
        JsonObject record = ExportRecord.Json(verification.Passed ? path : null, best, null, options, validationName, verification);
        record["file"] = export.File;
        record["written"] = verification.Passed;
        return (record, verification);
    }

    /// <summary>The one-line failure of a run whose export did not verify.</summary>
    public static string FailureMessage(ExportConfig export, OnnxVerification v, string outDir) => string.Create(
        CultureInfo.InvariantCulture,
        $"export: {export.File} does not match the TorchSharp model on the validation set (TorchSharp accuracy {v.TorchAccuracy:0.0000}, ONNX Runtime accuracy {v.OnnxAccuracy:0.0000}, max |Δ logit| {v.MaxLogitDelta:0.0e+00}; limits {OnnxVerification.MaxAccuracyDifferencePoints} pp, {OnnxVerification.MaxLogitDifference:0e+00}) and was not written; the run's other outputs are in {outDir} and report.json records the result");
}
