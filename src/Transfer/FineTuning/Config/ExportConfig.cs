using Transfer.Export;

namespace Transfer.FineTuning.Config;

/// <summary>
/// The <c>export:</c> section of a run config: at the end of the run, the best weights are exported to ONNX
/// with these options (those of <c>transfer export</c>) into the run folder and verified in ONNX Runtime
/// against TorchSharp on the run's validation set; the run fails (after writing its other outputs) when the
/// verification does.
/// </summary>
public sealed record ExportConfig
{
    /// <summary>The file written in the run folder; a plain file name ending in <c>.onnx</c>.</summary>
    public string File { get; init; } = "model.onnx";

    /// <summary>The ONNX opset (13 to 17).</summary>
    public int Opset { get; init; } = OnnxExportOptions.MaxOpset;

    /// <summary>What the graph takes: float pixels in [0, 1], or raw uint8 pixels.</summary>
    public OnnxInputType Input { get; init; } = OnnxInputType.Float;

    /// <summary>What the graph returns.</summary>
    public OnnxOutputKind Output { get; init; } = OnnxOutputKind.Logits;

    /// <summary>Mean subtracted inside the graph (one value or one per channel); null for none.</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Standard deviation divided by inside the graph (one value or one per channel); null for none.</summary>
    public IReadOnlyList<float>? Std { get; init; }
}
