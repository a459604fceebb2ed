using TorchSharp;

namespace Transfer.Data;

/// <summary>
/// A labelled data set held as two tensors: <see cref="Images"/> <c>[N, C, H, W]</c> float32 scaled to
/// [0, 1] and <see cref="Labels"/> <c>[N]</c> int64 class indices. Owns both tensors.
/// </summary>
/// <param name="Images">The inputs, <c>[N, C, H, W]</c> float32.</param>
/// <param name="Labels">The class index of each input, <c>[N]</c> int64.</param>
/// <param name="ClassCount">How many classes the labels range over.</param>
public sealed record LabeledTensors(torch.Tensor Images, torch.Tensor Labels, int ClassCount) : IDisposable
{
    /// <summary>
    /// Training images made batch by batch on background threads (an image folder with random transforms);
    /// null for data held in <see cref="Images"/>. When set, <see cref="Labels"/> holds every label but
    /// <see cref="Images"/> only the first samples (evaluation-transformed) for shape checks, and the training
    /// loop takes its batches from here.
    /// </summary>
    internal Images.ImageBatchSource? Streamed { get; init; }

    /// <summary>The number of examples.</summary>
    public long Count => Labels.shape[0];

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
