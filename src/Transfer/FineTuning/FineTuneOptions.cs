using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Transfer.Training;

namespace Transfer.FineTuning;

/// <summary>How a fine-tuning run is carried out, as opposed to what it computes (that is the config).</summary>
public sealed record FineTuneOptions
{
    /// <summary>The output folder: metrics.csv, final/best.safetensors, curves.png, checkpoints/.</summary>
    public required string OutDir { get; init; }

    /// <summary>Continue from the newest complete checkpoint in <c>OutDir/checkpoints</c>, if there is one.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// With <see cref="Resume"/>: continue even when the config differs from the <c>config.yaml</c> the run
    /// was started with (by default such a resume is refused, listing the differing keys).
    /// </summary>
    public bool Force { get; init; }

    /// <summary>Receives the start-of-run summary and one line per epoch.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>
    /// Told after every training batch and at the end of every epoch. Called synchronously on the training
    /// thread, so it must be quick (use a synchronous <see cref="IProgress{T}"/>, not <see cref="Progress{T}"/>).
    /// </summary>
    public IProgress<FineTuneProgress>? Progress { get; init; }

    /// <summary>
    /// Stops the run after the batch in progress: a checkpoint of that point is committed and
    /// <see cref="TrainingInterruptedException"/> is thrown; <see cref="Resume"/> continues from it.
    /// </summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Examples per forward pass when evaluating (memory, not results, depends on it).</summary>
    public int EvaluationBatchSize { get; init; } = 1000;

    /// <summary>
    /// Write TensorBoard event files under <c>tensorboard/</c> in <see cref="OutDir"/> (a run config's
    /// <c>log.tensorboard</c>): per epoch, loss and accuracy on the training and validation sets and every
    /// optimizer group's learning rate; one event file per run segment (a start or a resume), no epoch twice.
    /// </summary>
    public bool TensorBoard { get; init; }
}

/// <summary>Where a run is: a batch of an epoch, or (with <see cref="Completed"/>) an epoch's end.</summary>
/// <param name="Epoch">The 1-based epoch.</param>
/// <param name="Epochs">How many epochs the run has.</param>
/// <param name="Batch">Training batches done in this epoch.</param>
/// <param name="Batches">Training batches per epoch.</param>
/// <param name="Completed">The epoch's metrics when it has just finished; otherwise null.</param>
public sealed record FineTuneProgress(int Epoch, int Epochs, int Batch, int Batches, EpochMetrics? Completed)
{
    /// <summary>Training examples done in this epoch (after a batch).</summary>
    public long Examples { get; init; }

    /// <summary>The epoch's mean training loss so far (after a batch); null at an epoch's end.</summary>
    public double? TrainLoss { get; init; }
}

/// <summary>What a fine-tuning run did.</summary>
/// <param name="History">One row per epoch, resumed epochs included (as in metrics.csv).</param>
/// <param name="BestEpoch">The epoch whose weights are in best.safetensors.</param>
/// <param name="StoppedEarly">Whether early stopping ended the run before its last epoch.</param>
/// <param name="ResumedFrom">The checkpoint epoch the run continued from, or 0 for a fresh run.</param>
/// <param name="Groups">The optimizer's parameter groups at the end of the run.</param>
/// <param name="Freezing">Every parameter, frozen or trainable, as the first epoch of this session trained.</param>
public sealed record FineTuneResult(
    IReadOnlyList<EpochMetrics> History, int BestEpoch, bool StoppedEarly, int ResumedFrom, IReadOnlyList<OptimizerGroup> Groups,
    Transfer.Freezing.FreezeReport Freezing)
{
    /// <summary>The device the run trained on (<c>cpu</c>, <c>cuda</c>…).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>torch's intra-op thread count while the run trained.</summary>
    public int Threads { get; init; } = 1;
}
