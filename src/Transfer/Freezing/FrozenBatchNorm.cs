namespace Transfer.Freezing;

/// <summary>
/// What happens to a BatchNorm layer whose parameters are all frozen. Freezing its weight and bias does not
/// stop training mode from updating its running mean and variance, so "frozen" would silently drift.
/// </summary>
public enum FrozenBatchNorm
{
    /// <summary>Keep the layer in eval mode during training, so its running statistics stay bitwise unchanged.</summary>
    Eval,

    /// <summary>Let the layer follow the model into training mode (running statistics keep updating).</summary>
    Train,
}
