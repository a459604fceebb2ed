using TorchSharp;
using Transfer.Data;
using static TorchSharp.torch;

namespace Transfer.Training;

/// <summary>
/// One training epoch of a run, through <see cref="TrainingLoop"/>. The training order of an epoch is a
/// permutation drawn from a generator seeded by (seed, epoch) alone, so an epoch is the same whether the run
/// got there directly or through a resume.
/// </summary>
internal static class EpochRunner
{
    /// <summary>
    /// Trains one epoch, or its rest from <paramref name="from"/>, in the order drawn for
    /// (<paramref name="seed"/>, <paramref name="epoch"/>), after <paramref name="enterTraining"/> has set the
    /// layers' modes; <paramref name="onBatch"/> hears each finished batch. Returns where the
    /// epoch stopped: its end, or the batch after which <paramref name="cancellation"/> was seen.
    /// </summary>
    public static EpochPosition Train(
        nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, LabeledTensors data, int batchSize, long seed,
        int epoch, EpochPosition from, Action enterTraining, Action<BatchDone>? onBatch, CancellationToken cancellation,
        TrainingStep? step = null)
    {
        int batches = Batches(data.Count, batchSize);
        using Generator generator = new(ShuffleSeed(seed, epoch));
        data = data.Streamed is { } images ? data with { Streamed = images with { Epoch = epoch } } : data; // the epoch keys streamed images' random transforms
        return TrainingLoop.TrainEpochFrom(
            model, optimizer, data, batchSize, generator,
            onBatch is null ? null : (done, _, lossSum) => onBatch(new BatchDone(Batches(done, batchSize), batches, done, lossSum() / done)),
            _ => enterTraining(),
            from,
            step ?? TrainingStep.Plain,
            cancellation);
    }

    /// <summary>A training batch just finished: where the epoch is, and its running mean loss.</summary>
    public readonly record struct BatchDone(int Batch, int Batches, long Examples, double Loss);

    /// <summary>Batches needed for <paramref name="examples"/> examples (the last may be smaller).</summary>
    public static int Batches(long examples, int batchSize) => (int)((examples + batchSize - 1) / batchSize);

    /// <summary>A well-mixed 64-bit seed from (seed, epoch) (SplitMix64 finaliser).</summary>
    public static ulong ShuffleSeed(long seed, int epoch)
    {
        unchecked
        {
            ulong z = ((ulong)seed * 0x9E3779B97F4A7C15UL) + (ulong)epoch;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
