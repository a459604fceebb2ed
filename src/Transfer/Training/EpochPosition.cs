namespace Transfer.Training;

/// <summary>
/// How far a training epoch got: the examples trained so far (in the epoch's drawn order) and the running
/// sums behind its loss and accuracy. Saved in a mid-epoch checkpoint so a resumed epoch ends bitwise equal.
/// </summary>
/// <param name="Examples">Examples trained so far in this epoch.</param>
/// <param name="LossSum">Sum of per-example training loss so far.</param>
/// <param name="Correct">Correctly classified training examples so far.</param>
internal sealed record EpochPosition(long Examples, double LossSum, long Correct)
{
    /// <summary>The start of an epoch.</summary>
    public static EpochPosition Start { get; } = new(0, 0, 0);

    /// <summary>The epoch's statistics from these sums.</summary>
    public EpochStats Stats => TrainingLoop.Stats(LossSum, Correct, Examples);
}
