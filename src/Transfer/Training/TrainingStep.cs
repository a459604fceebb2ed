namespace Transfer.Training;

/// <summary>
/// How a training epoch turns batches into optimizer steps: the loss, gradient clipping, gradient accumulation,
/// the weight average to update after each step, and a hook that sets the learning rates before each step (for
/// schedules stepped per optimizer step).
/// </summary>
internal sealed record TrainingStep
{
    /// <summary>One batch per step, plain cross-entropy, no clipping, no average: the library's own training.</summary>
    public static TrainingStep Plain { get; } = new();

    /// <summary>The loss and how predictions are scored.</summary>
    public ClassifierLoss Loss { get; init; } = ClassifierLoss.CrossEntropy;

    /// <summary>The largest total L2 norm of the trainable parameters' gradients; null does not clip.</summary>
    public double? GradClip { get; init; }

    /// <summary>
    /// Batches per optimizer step: groups are counted from each epoch's first batch, each batch's loss is scaled
    /// by 1/<see cref="Accumulate"/>, and a last, shorter group at the epoch's end still steps. An interrupted
    /// epoch stops only between groups, so a checkpoint never holds half-accumulated gradients.
    /// </summary>
    public int Accumulate { get; init; } = 1;

    /// <summary>The average updated after every optimizer step, or null.</summary>
    public ModelEma? Ema { get; init; }

    /// <summary>Called before every optimizer step with its 0-based index within the epoch.</summary>
    public Action<int>? BeforeStep { get; init; }

    /// <summary>Optimizer steps in an epoch of <paramref name="batches"/> batches.</summary>
    public int StepsPerEpoch(int batches) => (batches + Accumulate - 1) / Accumulate;
}
