using System.Threading.Channels;
using TorchSharp;

namespace Transfer.Data.Images;

/// <summary>
/// The batches of one epoch from an <see cref="ImageBatchSource"/>: a producer task decodes batch after batch
/// (the samples of a batch in parallel, each written to its fixed place) into a bounded channel of
/// <see cref="ImageBatchSource.QueueDepth"/> batches, and <see cref="Next"/> hands them out in order. Results
/// never depend on thread timing: each sample is a pure function of (file, seed, epoch, index). Only float
/// arrays cross threads; tensors are made on the caller's thread (inside its dispose scope). The run's
/// cancellation is the training loop's to check between batches, so a stop never loses a batch here. Disposing
/// cancels the producer and waits for it, so no decoding outlives the epoch.
/// </summary>
internal sealed class ImageBatchStream : IDisposable
{
    private readonly Channel<float[]> _queue = Channel.CreateBounded<float[]>(
        new BoundedChannelOptions(ImageBatchSource.QueueDepth) { SingleReader = true, SingleWriter = true });

    private readonly CancellationTokenSource _stop;
    private readonly Task _producer;
    private readonly (int C, int H, int W) _shape;
    private readonly long _total;
    private readonly int _batchSize;
    private long _next;

    internal ImageBatchStream(ImageBatchSource source, long[] order, long from, int batchSize, int epoch)
    {
        _shape = source.Shape;
        _total = order.Length;
        _batchSize = batchSize;
        _next = from;
        _stop = new CancellationTokenSource(); // only Dispose stops it: the training loop checks the run's token between batches
        CancellationToken token = _stop.Token;
        _producer = Task.Run(async () =>
        {
            try
            {
                int sample = source.Shape.C * source.Shape.H * source.Shape.W;
                for (long start = from; start < order.Length; start += batchSize)
                {
                    int size = (int)Math.Min(batchSize, order.Length - start);
                    float[] batch = new float[checked(size * sample)];
                    long first = start;
                    Parallel.For(0, size, new ParallelOptions { MaxDegreeOfParallelism = source.Workers, CancellationToken = token }, k =>
                        source.Sample(order[first + k], epoch).CopyTo(batch, k * sample));
                    await _queue.Writer.WriteAsync(batch, token).ConfigureAwait(false);
                }

                _queue.Writer.TryComplete();
            }
            catch (Exception e)
            {
                _queue.Writer.TryComplete(e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : e);
            }
        }, CancellationToken.None);
    }

    /// <summary>The next batch's images <c>[batch, C, H, W]</c>; a sample that failed to decode throws its <see cref="DataFormatException"/> here.</summary>
    public torch.Tensor Next()
    {
        float[] batch;
        try
        {
            batch = _queue.Reader.ReadAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException e) when (e.InnerException is DataFormatException bad)
        {
            throw new DataFormatException(bad.File, $"{bad.Problem} (it decoded when the run checked the folder; was it changed since?)", bad);
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }

        long size = Math.Min(_batchSize, _total - _next);
        _next += size;
        return torch.tensor(batch, [size, _shape.C, _shape.H, _shape.W]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _producer.Wait();
        }
        catch (AggregateException)
        {
            // The producer ends by cancellation here; its failures were already handed to Next.
        }

        _stop.Dispose();
    }
}
