namespace Transfer.Training;

/// <summary>What one pass over a data set measured.</summary>
/// <param name="Loss">Mean loss per example (cross-entropy, or BCE for a one-logit head).</param>
/// <param name="Accuracy">Fraction of examples whose highest logit is the true class, in [0, 1].</param>
/// <param name="Examples">How many examples the pass saw.</param>
public sealed record EpochStats(double Loss, double Accuracy, long Examples);
