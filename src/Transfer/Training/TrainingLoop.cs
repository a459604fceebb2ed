using TorchSharp;
using Transfer.Data;
using static TorchSharp.torch;

namespace Transfer.Training;

/// <summary>
/// One-epoch training and evaluation for classifiers trained with cross-entropy — the batch loops behind both
/// the library's own training and <see cref="FineTuning.FineTuner"/>. Data stays on the CPU; each batch is moved
/// to the model's device. Every temporary lives in a per-batch dispose scope, so memory stays flat however many
/// epochs run. On the CPU, a given model state and generator seed give identical results.
/// </summary>
public static class TrainingLoop
{
    /// <summary>Trains for one epoch over <paramref name="data"/> in shuffled mini-batches.</summary>
    /// <param name="model">A classifier returning logits <c>[batch, classes]</c>.</param>
    /// <param name="optimizer">The optimizer over the model's trainable parameters.</param>
    /// <param name="data">The training examples (on the CPU).</param>
    /// <param name="batchSize">Examples per optimizer step; the last batch may be smaller.</param>
    /// <param name="shuffle">The generator that orders the examples; null keeps the data order.</param>
    /// <param name="progress">Called after each batch with (examples done, examples total).</param>
    /// <param name="enterTrainMode">
    /// Puts the model into training mode before the epoch; null calls <c>model.train()</c>. Pass
    /// <c>Freezing.TrainMode.Enter</c> to keep frozen BatchNorm layers in eval mode.
    /// </param>
    /// <param name="cancellation">Checked before each batch; a cancelled epoch throws <see cref="OperationCanceledException"/>.</param>
    public static EpochStats TrainEpoch(
        nn.Module<Tensor, Tensor> model,
        optim.Optimizer optimizer,
        LabeledTensors data,
        int batchSize,
        Generator? shuffle = null,
        Action<long, long>? progress = null,
        Action<nn.Module>? enterTrainMode = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        EpochPosition reached = TrainEpochFrom(
            model, optimizer, data, batchSize, shuffle, progress is null ? null : (done, total, _) => progress(done, total), enterTrainMode,
            EpochPosition.Start, TrainingStep.Plain, cancellation);
        if (reached.Examples < data.Count)
        {
            throw new OperationCanceledException(cancellation);
        }

        return reached.Stats;
    }

    /// <summary>
    /// Trains the rest of an epoch from <paramref name="start"/> (the examples already trained, in the order
    /// <paramref name="shuffle"/> draws, and their running sums), and returns where it stopped: at the end of the
    /// epoch, or after the batch during which <paramref name="cancellation"/> was requested. Continuing from a
    /// returned position gives bitwise the same epoch as never stopping. <paramref name="progress"/> hears
    /// (examples done, examples total, a function reading the running loss sum: a device sync, so only on demand).
    /// <paramref name="step"/> says how batches become optimizer steps; with accumulation, a cancelled epoch stops
    /// only after a whole group (so <paramref name="start"/> is always at a group's start).
    /// </summary>
    internal static EpochPosition TrainEpochFrom(
        nn.Module<Tensor, Tensor> model,
        optim.Optimizer optimizer,
        LabeledTensors data,
        int batchSize,
        Generator? shuffle,
        Action<long, long, Func<double>>? progress,
        Action<nn.Module>? enterTrainMode,
        EpochPosition start,
        TrainingStep step,
        CancellationToken cancellation)
    {
        if (enterTrainMode is null)
        {
            model.train();
        }
        else
        {
            enterTrainMode(model);
        }

        Device device = DeviceOf(model);
        long total = data.Count;
        using Tensor order = shuffle is null ? arange(total, dtype: int64) : randperm(total, generator: shuffle);
        using Data.Images.ImageBatchStream? stream = data.Streamed?.Open(order, start.Examples, batchSize); // decoded images, if streamed
        // Running sums stay on the device: no host sync per batch beyond what the optimizer needs.
        using Tensor lossSum = full(1, start.LossSum, float64, device);
        using Tensor correct = full(1, start.Correct, int64, device);
        long done = start.Examples;
        long batches = (total + batchSize - 1) / batchSize;
        List<TorchSharp.Modules.Parameter> clipped = step.GradClip is null ? [] : [.. model.parameters().Where(p => p.requires_grad)];
        for (; done < total; done += batchSize)
        {
            long batch = done / batchSize;
            bool groupStart = batch % step.Accumulate == 0;
            if (groupStart && cancellation.IsCancellationRequested)
            {
                break;
            }

            using DisposeScope scope = NewDisposeScope();
            long size = Math.Min(batchSize, total - done);
            Tensor index = order.narrow(0, done, size);
            Tensor images = (stream?.Next() ?? data.Images.index_select(0, index)).to(device);
            Tensor labels = data.Labels.index_select(0, index).to(device);

            if (groupStart)
            {
                optimizer.zero_grad();
            }

            Tensor logits = model.call(images);
            Tensor loss = step.Loss.Mean(logits, labels);
            (step.Accumulate == 1 ? loss : loss / step.Accumulate).backward();
            if ((batch + 1) % step.Accumulate == 0 || batch + 1 == batches)
            {
                step.BeforeStep?.Invoke((int)(batch / step.Accumulate));
                if (step.GradClip is { } maxNorm)
                {
                    nn.utils.clip_grad_norm_(clipped, maxNorm);
                }

                optimizer.step();
                step.Ema?.Update();
            }

            using (no_grad())
            {
                lossSum.add_(loss.detach().to(float64), alpha: size);
                correct.add_(step.Loss.Correct(logits, labels));
            }

            progress?.Invoke(done + size, total, () => lossSum.item<double>());
        }

        return new EpochPosition(Math.Min(done, total), lossSum.item<double>(), correct.item<long>());
    }

    /// <summary>Measures loss and accuracy in eval mode without gradients; leaves the model in eval mode.</summary>
    /// <param name="model">A classifier returning logits <c>[batch, classes]</c>.</param>
    /// <param name="data">The examples to score (on the CPU).</param>
    /// <param name="batchSize">Examples per forward pass.</param>
    public static EpochStats Evaluate(nn.Module<Tensor, Tensor> model, LabeledTensors data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return Evaluate(model, data, batchSize, ClassifierLoss.CrossEntropy);
    }

    /// <summary>Measures <paramref name="loss"/>'s unsmoothed loss and accuracy in eval mode without gradients.</summary>
    internal static EpochStats Evaluate(nn.Module<Tensor, Tensor> model, LabeledTensors data, int batchSize, ClassifierLoss loss)
    {
        model.eval();
        Device device = DeviceOf(model);
        long total = data.Count;
        double lossSum = 0;
        long correct = 0;
        using IDisposable noGrad = no_grad();
        for (long start = 0; start < total; start += batchSize)
        {
            using DisposeScope scope = NewDisposeScope();
            long size = Math.Min(batchSize, total - start);
            Tensor images = data.Images.narrow(0, start, size).to(device);
            Tensor labels = data.Labels.narrow(0, start, size).to(device);
            Tensor logits = model.call(images);
            lossSum += loss.Sum(logits, labels).item<float>();
            correct += loss.Correct(logits, labels).item<long>();
        }

        return Stats(lossSum, correct, total);
    }

    /// <summary>The device of the model's first parameter or buffer; the CPU for a model with neither.</summary>
    internal static Device DeviceOf(nn.Module model)
    {
        foreach (Tensor p in model.parameters())
        {
            return p.device;
        }

        foreach (Tensor b in model.buffers())
        {
            return b.device;
        }

        return CPU;
    }

    internal static EpochStats Stats(double lossSum, long correct, long total) =>
        total == 0 ? new EpochStats(0, 0, 0) : new EpochStats(lossSum / total, (double)correct / total, total);
}
