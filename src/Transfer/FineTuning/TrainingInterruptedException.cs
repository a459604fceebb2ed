namespace Transfer.FineTuning;

/// <summary>
/// A run stopped by its cancellation token: the batch in progress finished, and a checkpoint of that exact
/// point was committed, so <c>Resume</c> continues it and ends bitwise equal to an uninterrupted CPU run at the
/// same thread count.
/// </summary>
public sealed class TrainingInterruptedException : OperationCanceledException
{
    /// <summary>Creates the exception for a checkpoint written inside <paramref name="epoch"/>.</summary>
    /// <param name="checkpoint">The checkpoint folder written at the interruption.</param>
    /// <param name="epoch">The 1-based epoch that was interrupted.</param>
    /// <param name="batch">Batches of that epoch trained before stopping.</param>
    /// <param name="token">The token that stopped the run.</param>
    public TrainingInterruptedException(string checkpoint, int epoch, int batch, CancellationToken token)
        : base($"Training interrupted in epoch {epoch} after batch {batch}; checkpoint {checkpoint}", token)
    {
        Checkpoint = checkpoint;
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>The checkpoint folder written at the interruption.</summary>
    public string Checkpoint { get; }

    /// <summary>The 1-based epoch that was interrupted.</summary>
    public int Epoch { get; }

    /// <summary>Batches of <see cref="Epoch"/> trained before stopping.</summary>
    public int Batch { get; }
}
