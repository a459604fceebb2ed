using System.Text.Json;
using System.Text.Json.Nodes;
using Transfer.Export;

namespace Transfer.Versioning;

/// <summary>
/// What an ONNX export wrote and read, as <c>transfer export</c>'s <c>&lt;out&gt;.json</c> sidecar and a run's
/// <c>report.json</c> (<c>export</c> section) record it: the model file with its SHA-256 and size, the
/// weights (and config) it came from, the options, and the verification result when there was one.
/// </summary>
internal static class ExportRecord
{
    /// <summary>The sidecar written beside an exported model: <c>model.onnx</c> → <c>model.onnx.json</c>.</summary>
    public static string SidecarPath(string onnxPath) => onnxPath + ".json";

    /// <summary>The record as a JSON object; the model's path is shown relative to its own folder (its file name).</summary>
    /// <param name="onnxPath">The exported model, already written; null when it was not written (failed verification).</param>
    /// <param name="weightsPath">The weights exported (a sharded checkpoint's index).</param>
    /// <param name="configPath">The run config the model and options came from, or null.</param>
    /// <param name="options">The options exported with.</param>
    /// <param name="verifyData">What the export was verified on (a folder or <c>fashion-mnist</c>), or null.</param>
    /// <param name="verification">The verification result, or null when not verified.</param>
    /// <param name="weightShards">A sharded checkpoint's shards, recorded under the weights' <c>shards</c>; null or empty for one file.</param>
    public static JsonObject Json(
        string? onnxPath, string weightsPath, string? configPath, OnnxExportOptions options, string? verifyData, OnnxVerification? verification,
        IReadOnlyList<string>? weightShards = null) => new()
        {
            ["outputs"] = onnxPath is null ? new JsonArray() : new JsonArray(FileRecord.Of(onnxPath, Path.GetFileName(onnxPath)).ToJson()),
            ["inputs"] = new JsonObject
            {
                ["weights"] = Weights(weightsPath, weightShards ?? []),
                ["config"] = configPath is not null && File.Exists(configPath) ? FileRecord.Of(configPath, Path.GetFullPath(configPath)).ToJson() : null,
            },
            ["options"] = new JsonObject
            {
                ["opset"] = options.Opset,
                ["input"] = options.Input == OnnxInputType.UInt8 ? "uint8" : "float",
                ["output"] = options.Output switch
                {
                    OnnxOutputKind.Label => "label",
                    OnnxOutputKind.Probabilities => "probs",
                    _ => "logits",
                },
                ["mean"] = options.Mean is null ? null : new JsonArray(options.Mean.Select(v => (JsonNode)(double)v).ToArray()),
                ["std"] = options.Std is null ? null : new JsonArray(options.Std.Select(v => (JsonNode)(double)v).ToArray()),
                ["preprocessing"] = ExportPreprocessing.Json(options),
            },
            ["verification"] = verification is null ? null : Verification(verifyData, verification),
        };

    /// <summary>The record as indented JSON text ending in a newline.</summary>
    public static string Text(JsonObject record) =>
        record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";

    private static JsonObject Weights(string path, IReadOnlyList<string> shards)
    {
        JsonObject weights = FileRecord.Of(path, Path.GetFullPath(path)).ToJson();
        if (shards.Count > 0)
        {
            weights["shards"] = new JsonArray([.. shards.Select(s => FileRecord.Of(s, Path.GetFullPath(s)).ToJson())]);
        }

        return weights;
    }

    private static JsonObject Verification(string? data, OnnxVerification v) => new()
    {
        ["data"] = data,
        ["examples"] = v.Examples,
        ["torch_accuracy"] = v.TorchAccuracy,
        ["onnx_accuracy"] = v.OnnxAccuracy,
        ["accuracy_difference_pp"] = v.AccuracyDifferencePoints,
        ["max_logit_delta"] = v.MaxLogitDelta,
        ["passed"] = v.Passed,
    };
}
