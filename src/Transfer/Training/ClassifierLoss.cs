using TorchSharp;
using Transfer.FineTuning.Config;
using static TorchSharp.torch;

namespace Transfer.Training;

/// <summary>
/// The loss a classifier trains with and how its predictions are scored. Cross-entropy takes logits
/// <c>[batch, classes]</c> and optional label smoothing (as <c>torch.nn.functional.cross_entropy</c>); BCE takes
/// a one-logit head <c>[batch, 1]</c> and labels 0/1 (as <c>binary_cross_entropy_with_logits</c>) and predicts 1
/// where the logit's sigmoid is above 0.5. Evaluation measures the unsmoothed loss, so validation losses of runs
/// with different smoothing compare.
/// </summary>
/// <param name="Kind">Cross-entropy or BCE.</param>
/// <param name="LabelSmoothing">Cross-entropy's label smoothing, in [0, 1); 0 for BCE.</param>
internal sealed record ClassifierLoss(LossKind Kind, double LabelSmoothing)
{
    /// <summary>Plain cross-entropy, what the library's own training uses.</summary>
    public static ClassifierLoss CrossEntropy { get; } = new(LossKind.CrossEntropy, 0);

    /// <summary>The loss of a <c>finetune:</c> section.</summary>
    public static ClassifierLoss Of(FineTuneConfig config) => new(config.Loss, config.LabelSmoothing);

    /// <summary>The mean training loss of a batch (smoothed when configured).</summary>
    public Tensor Mean(Tensor logits, Tensor labels) => Kind == LossKind.Bce
        ? nn.functional.binary_cross_entropy_with_logits(logits.reshape(-1), labels.to(logits.dtype))
        : nn.functional.cross_entropy(logits, labels, label_smoothing: LabelSmoothing);

    /// <summary>The summed unsmoothed loss of a batch, for evaluation.</summary>
    public Tensor Sum(Tensor logits, Tensor labels) => Kind == LossKind.Bce
        ? nn.functional.binary_cross_entropy_with_logits(logits.reshape(-1), labels.to(logits.dtype), reduction: nn.Reduction.Sum)
        : nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum);

    /// <summary>How many of the batch's predictions are right (a one-element int64 tensor).</summary>
    public Tensor Correct(Tensor logits, Tensor labels) => Kind == LossKind.Bce
        ? BinaryLabels(logits).eq(labels).sum()
        : logits.argmax(1).eq(labels).sum();

    /// <summary>
    /// The class a one-logit binary head predicts for each row of <paramref name="logits"/> (<c>[batch, 1]</c>):
    /// 1 where the logit's sigmoid (the probability of class 1) is above 0.5, else 0 (int64).
    /// </summary>
    public static Tensor BinaryLabels(Tensor logits) => logits.reshape(-1).sigmoid().gt(0.5).to(int64);
}
