namespace Transfer.FineTuning.Checkpoints;

/// <summary>
/// The bookkeeping a resumed run needs besides tensors: how far it got, the metric history (so
/// <c>metrics.csv</c> continues), and the early-stopping and best-model trackers. Saved as
/// <c>state.json</c> in each checkpoint.
/// </summary>
internal sealed record TrainingProgress
{
    /// <summary>The last completed epoch.</summary>
    public int Epoch { get; init; }

    /// <summary>The run's seed, checked on resume so a checkpoint of another run is not continued.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// torch's intra-op thread count when the run trained: on CPU, results are bitwise reproducible only at
    /// the same count (reductions split differently), so a resume restores it.
    /// </summary>
    public int Threads { get; init; }

    /// <summary>
    /// The <c>finetune.accumulate</c> the run trained with (0 in checkpoints older than the setting): a checkpoint made
    /// inside an epoch continues only at the same value, as its optimizer steps group that epoch's batches by it.
    /// </summary>
    public int Accumulate { get; init; }

    /// <summary>Rows of <c>metrics.csv</c> so far.</summary>
    public List<EpochMetrics> History { get; init; } = [];

    /// <summary>The best value of the <c>keep_best</c> metric so far, if any epoch finished.</summary>
    public double? BestMetric { get; init; }

    /// <summary>The epoch that produced <see cref="BestMetric"/>.</summary>
    public int BestEpoch { get; init; }

    /// <summary>The best early-stopping metric so far.</summary>
    public double? StoppingBest { get; init; }

    /// <summary>Epochs since <see cref="StoppingBest"/> last improved.</summary>
    public int EpochsWithoutImprovement { get; init; }

    /// <summary>Whether early stopping ended the run after <see cref="Epoch"/>.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>
    /// Set in a checkpoint written when the run was interrupted during epoch <see cref="Epoch"/> + 1: how
    /// far that epoch got. Null at an epoch's end.
    /// </summary>
    public PartialEpoch? InEpoch { get; init; }

    /// <summary>The plateau schedule's state (<c>scheduler.type: plateau</c>); null for other schedules.</summary>
    public Training.PlateauState? Plateau { get; init; }
}

/// <summary>An epoch interrupted after some batches: where it stopped and how long it had trained.</summary>
/// <param name="Examples">Examples trained in the epoch (whole batches).</param>
/// <param name="LossSum">The running loss sum at that point.</param>
/// <param name="Correct">The running count of correct predictions at that point.</param>
/// <param name="Seconds">Training time spent in the epoch so far.</param>
internal sealed record PartialEpoch(long Examples, double LossSum, long Correct, double Seconds)
{
    /// <summary>The position to continue the epoch from.</summary>
    public Training.EpochPosition Position => new(Examples, LossSum, Correct);
}
