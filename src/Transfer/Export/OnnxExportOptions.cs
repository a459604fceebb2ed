using System.Globalization;

namespace Transfer.Export;

/// <summary>
/// How a model is exported: the opset, the input's shape and type with the preprocessing the graph does
/// (<c>(x / 255 − mean) / std</c> for uint8 input), what the output holds, and the provenance recorded in
/// the model's metadata. <see cref="Problems"/> lists every invalid setting at once.
/// </summary>
public sealed record OnnxExportOptions
{
    /// <summary>The lowest opset exported: Softmax's axis means what PyTorch's dim means from opset 13 on.</summary>
    public const int MinOpset = 13;

    /// <summary>The highest opset exported: the last one ONNX IR version 8 (onnx 1.12) defines.</summary>
    public const int MaxOpset = 17;

    /// <summary>The default opset of the <c>ai.onnx</c> domain.</summary>
    public int Opset { get; init; } = MaxOpset;

    /// <summary>Channels of the input, the C of <c>[N, C, H, W]</c>.</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Height of the input, or null for a dynamic axis named <c>height</c>.</summary>
    public int? Height { get; init; } = 28;

    /// <summary>Width of the input, or null for a dynamic axis named <c>width</c>.</summary>
    public int? Width { get; init; } = 28;

    /// <summary>What the graph's input takes.</summary>
    public OnnxInputType Input { get; init; } = OnnxInputType.Float;

    /// <summary>Per-channel (or one shared) mean subtracted inside the graph, after scaling to [0, 1]; null for none.</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Per-channel (or one shared) standard deviation divided by inside the graph; null for none.</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>What the graph's output holds.</summary>
    public OnnxOutputKind Output { get; init; } = OnnxOutputKind.Logits;

    /// <summary>The SHA-256 of the weights file exported, recorded in the metadata so the model can be traced back to it.</summary>
    public string? SourceSha256 { get; init; }

    /// <summary>The class names in label order, recorded in the metadata when known.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>
    /// An image-folder run's evaluation transform the caller applies before the graph (resize, center crop) and
    /// whose normalisation <see cref="Mean"/>/<see cref="Std"/> bake in; recorded in the metadata and the sidecar
    /// so <c>predict</c> and <c>evaluate</c> prepare images the same way. Null when the model came from no such run.
    /// </summary>
    internal Transfer.Data.Transforms.ImageTransforms? Preprocessing { get; init; }

    /// <summary>Every invalid setting, one sentence each; empty when the options can be exported.</summary>
    public IReadOnlyList<string> Problems()
    {
        List<string> problems = new();
        if (Opset is < MinOpset or > MaxOpset)
        {
            problems.Add(Text($"opset {Opset} is not supported; use {MinOpset} to {MaxOpset} (IR version 8)"));
        }

        if (Channels < 1)
        {
            problems.Add(Text($"channels must be positive, not {Channels}"));
        }

        if (Height is < 1 || Width is < 1)
        {
            problems.Add(Text($"height and width must be positive, not {Height}×{Width}"));
        }

        CheckStatistic(problems, "mean", Mean, positive: false);
        CheckStatistic(problems, "std", Std, positive: true);
        if (ClassNames is { Count: 0 })
        {
            problems.Add("class names, when given, must not be empty");
        }

        return problems;
    }

    /// <summary>Mean or std as a <c>[1, k, 1, 1]</c> broadcastable shape (k = 1 or C), or null when not given.</summary>
    internal (float[] Values, long[] Shape)? Statistic(IReadOnlyList<float>? values) =>
        values is null ? null : (values.ToArray(), [1, values.Count, 1, 1]);

    private void CheckStatistic(List<string> problems, string name, IReadOnlyList<float>? values, bool positive)
    {
        if (values is null)
        {
            return;
        }

        if (values.Count != 1 && values.Count != Channels)
        {
            string wanted = Channels == 1 ? "1 value" : Text($"1 or {Channels} values (one per channel)");
            problems.Add(Text($"{name} needs {wanted}, not {values.Count}"));
        }

        if (values.Any(v => !float.IsFinite(v) || (positive && v <= 0)))
        {
            problems.Add(positive ? "std values must be finite and positive" : "mean values must be finite");
        }
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
