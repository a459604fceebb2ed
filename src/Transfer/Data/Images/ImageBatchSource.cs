using TorchSharp;
using Transfer.Data.Transforms;

namespace Transfer.Data.Images;

/// <summary>
/// Training images made on demand, batch by batch: decoded and augmented on background threads while the
/// model trains on the previous batch. A <see cref="LabeledTensors"/> whose <see cref="LabeledTensors.Streamed"/>
/// is set holds its labels in memory and takes its images from here.
/// </summary>
/// <param name="Files">The training images, in label-tensor order.</param>
/// <param name="Pipeline">The transforms (the training pipeline is used).</param>
/// <param name="Seed">The run's seed: with the epoch and the sample index, it keys each sample's random transforms.</param>
/// <param name="Workers">Decoding threads.</param>
/// <param name="Shape">Every sample's (channels, height, width).</param>
internal sealed record ImageBatchSource(IReadOnlyList<string> Files, TransformPipeline Pipeline, long Seed, int Workers, (int C, int H, int W) Shape)
{
    /// <summary>Batches queued ahead of training at most (each one is batch × C × H × W floats).</summary>
    public const int QueueDepth = 2;

    /// <summary>The epoch whose batches <see cref="Open"/> makes (set by the epoch runner; it keys the random transforms).</summary>
    public int Epoch { get; init; }

    /// <summary>
    /// Starts decoding the batches of <see cref="Epoch"/> that follow <paramref name="from"/> examples of
    /// <paramref name="order"/> (the epoch's shuffled indices); dispose the stream to stop the threads.
    /// </summary>
    public ImageBatchStream Open(torch.Tensor order, long from, int batchSize) =>
        new(this, order.data<long>().ToArray(), from, batchSize, Epoch);

    /// <summary>One transformed training sample.</summary>
    public float[] Sample(long index, int epoch)
    {
        float[] values = Pipeline.Train(ImageDecoder.Decode(Files[(int)index]), new SampleRandom(Seed, epoch, index));
        return values.Length == Shape.C * Shape.H * Shape.W
            ? values
            : throw new DataFormatException(Files[(int)index], "changed size since the run checked the folder");
    }
}
