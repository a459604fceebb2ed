namespace Transfer.FineTuning;

/// <summary>One row of <c>metrics.csv</c>: how an epoch went.</summary>
/// <param name="Epoch">The 1-based epoch.</param>
/// <param name="TrainLoss">Mean training loss (label-smoothed if configured) over the epoch's batches (weighted by batch size).</param>
/// <param name="TrainAcc">Fraction of training examples classified right while training.</param>
/// <param name="ValLoss">Mean unsmoothed loss on the validation set after the epoch (with <c>finetune.ema</c>, of the average).</param>
/// <param name="ValAcc">Validation accuracy after the epoch.</param>
/// <param name="Lr">The learning rate of the first optimizer group at the epoch's start.</param>
/// <param name="Seconds">Wall-clock seconds the epoch took (training and validation).</param>
public sealed record EpochMetrics(
    int Epoch, double TrainLoss, double TrainAcc, double ValLoss, double ValAcc, double Lr, double Seconds)
{
    /// <summary>
    /// The learning rate of every optimizer group at the epoch's start (its first optimizer step), in group order
    /// (<c>lr_group0</c>, <c>lr_group1</c>… in metrics.csv); groups an unfreeze adds later are absent before it.
    /// </summary>
    public IReadOnlyList<double> GroupLrs { get; init; } = [];
}
