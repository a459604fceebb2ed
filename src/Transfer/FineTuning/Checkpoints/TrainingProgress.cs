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
}
