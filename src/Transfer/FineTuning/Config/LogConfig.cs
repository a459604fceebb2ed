namespace Transfer.FineTuning.Config;

/// <summary>The <c>log:</c> section: loggers besides <c>metrics.csv</c>, which every run writes.</summary>
public sealed record LogConfig
{
    /// <summary>
    /// Write TensorBoard event files under <c>tensorboard/</c> in the output folder (<c>log.tensorboard</c>):
    /// per epoch, training and validation loss and accuracy and every optimizer group's learning rate.
    /// </summary>
    public bool TensorBoard { get; init; }
}
