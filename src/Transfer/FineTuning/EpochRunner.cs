using TorchSharp;
using Transfer.Data;
using static TorchSharp.torch;

namespace Transfer.FineTuning;

/// <summary>
/// One training pass and one evaluation pass, the inner loops of a run. The training order of an epoch
/// is a permutation drawn from a generator seeded by (seed, epoch) alone, so an epoch is the same whether
/// the run got there directly or through a resume. Each batch's temporaries die in a dispose scope, which
/// keeps memory flat.
/// </summary>
internal static class EpochRunner
{
    /// <summary>Trains one epoch; returns (mean loss, accuracy).</summary>
    public static (double Loss, double Accuracy) Train(
        nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, LabeledTensors data, int batchSize, long seed,
        int epoch, Device device, Action<int, int>? onBatch, CancellationToken cancellation)
    {
        long count = data.Count;
        int batches = (int)((count + batchSize - 1) / batchSize);
        using Generator generator = new(ShuffleSeed(seed, epoch));
        using Tensor order = randperm(count, generator: generator);
        // Running sums stay on the device: no host sync per batch beyond what the optimizer needs.
        using Tensor lossSum = zeros(1, float64, device);
        using Tensor correct = zeros(1, int64, device);
        for (int b = 0; b < batches; b++)
        {
            cancellation.ThrowIfCancellationRequested();
            using DisposeScope scope = NewDisposeScope();
            long start = (long)b * batchSize;
            long n = Math.Min(batchSize, count - start);
            Tensor index = order.narrow(0, start, n);
            Tensor x = data.Images.index_select(0, index).to(device);
            Tensor y = data.Labels.index_select(0, index).to(device);
            optimizer.zero_grad();
            Tensor logits = model.call(x);
            Tensor loss = nn.functional.cross_entropy(logits, y);
            loss.backward();
            optimizer.step();
            using (no_grad())
            {
                lossSum.add_(loss.detach().to(float64), alpha: n);
                correct.add_(logits.argmax(1).eq(y).sum());
            }

            onBatch?.Invoke(b + 1, batches);
        }

        return (lossSum.item<double>() / count, (double)correct.item<long>() / count);
    }

    /// <summary>Evaluates in eval mode without gradients; returns (mean loss, accuracy).</summary>
    public static (double Loss, double Accuracy) Evaluate(
        nn.Module<Tensor, Tensor> model, LabeledTensors data, int batchSize, Device device)
    {
        model.eval();
        using IDisposable noGrad = no_grad();
        double lossSum = 0;
        long correct = 0;
        long count = data.Count;
        for (long start = 0; start < count; start += batchSize)
        {
            using DisposeScope scope = NewDisposeScope();
            long n = Math.Min(batchSize, count - start);
            Tensor x = data.Images.narrow(0, start, n).to(device);
            Tensor y = data.Labels.narrow(0, start, n).to(device);
            Tensor logits = model.call(x);
            lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
        }

        return count == 0 ? (0, 0) : (lossSum / count, (double)correct / count);
    }

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
