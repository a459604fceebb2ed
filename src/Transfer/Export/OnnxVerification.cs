namespace Transfer.Export;

/// <summary>
/// The TorchSharp model and its exported graph (run in ONNX Runtime) on the same data: both accuracies and
/// the largest logit difference. <see cref="Passed"/> when the accuracies differ by at most
/// <see cref="MaxAccuracyDifferencePoints"/> percentage points and no logit by more than <see cref="MaxLogitDifference"/>.
/// </summary>
/// <param name="Examples">How many labelled examples both were run on.</param>
/// <param name="TorchAccuracy">The TorchSharp model's accuracy in eval mode, in [0, 1].</param>
/// <param name="OnnxAccuracy">The exported graph's accuracy in ONNX Runtime, in [0, 1].</param>
/// <param name="MaxLogitDelta">The largest |Δ| between any logit of the two.</param>
public sealed record OnnxVerification(long Examples, double TorchAccuracy, double OnnxAccuracy, double MaxLogitDelta)
{
    /// <summary>The largest accepted accuracy difference, in percentage points.</summary>
    public const double MaxAccuracyDifferencePoints = 0.1;

    /// <summary>The largest accepted |Δ logit| (float32 arithmetic in two runtimes).</summary>
    public const double MaxLogitDifference = 1e-4;

    /// <summary>|TorchAccuracy − OnnxAccuracy| in percentage points.</summary>
    public double AccuracyDifferencePoints => Math.Abs(TorchAccuracy - OnnxAccuracy) * 100;

    /// <summary>Whether the export is faithful within both tolerances.</summary>
    public bool Passed => AccuracyDifferencePoints <= MaxAccuracyDifferencePoints && MaxLogitDelta <= MaxLogitDifference;
}
