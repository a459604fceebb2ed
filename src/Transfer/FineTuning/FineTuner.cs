using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TorchSharp;
using Transfer.Data;
using Transfer.FineTuning.Checkpoints;
using Transfer.FineTuning.Config;
using Transfer.Freezing;
using Transfer.Logging;
using Transfer.Rules.Errors;
using Transfer.Training;
using static TorchSharp.torch;

namespace Transfer.FineTuning;

/// <summary>
/// Fine-tunes a model that already holds its starting weights: freezes and unfreezes by the config,
/// trains with the configured optimizer, schedule and parameter groups, evaluates every epoch, writes
/// <c>metrics.csv</c>, <c>best.safetensors</c>, <c>final.safetensors</c> and <c>curves.png</c>, and
/// checkpoints so that a run killed at any moment and resumed ends bitwise equal (on CPU) to one that was
/// never interrupted. With <c>finetune.ema</c>, evaluation and <c>best</c> selection use the weight average, and
/// <c>best.safetensors</c>, <c>final.safetensors</c> and the model left in memory hold it; the trained (not averaged)
/// weights are in the last checkpoint's <c>model.dat</c>, the average beside them in <c>ema.safetensors</c>.
/// </summary>
public static class FineTuner
{
    /// <summary>Trains <paramref name="model"/> in place.</summary>
    /// <param name="model">The model, with its starting weights (usually right after a transfer).</param>
    /// <param name="train">The training data.</param>
    /// <param name="validation">The data evaluated after every epoch.</param>
    /// <param name="config">The <c>finetune:</c> section.</param>
    /// <param name="seed">Seeds the per-epoch shuffles.</param>
    /// <param name="options">Output folder, resume, logging, progress, cancellation.</param>
    public static FineTuneResult Train(
        nn.Module<Tensor, Tensor> model, LabeledTensors train, LabeledTensors validation, FineTuneConfig config,
        long seed, FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        RunValidator.ThrowIfAny([
            .. RunValidator.OutFolder(options),
            .. RunValidator.ResumedState(config, options),
            .. RunValidator.Device(config.Device),
            .. RunValidator.Model([.. model.named_parameters().Select(p => p.name)], config),
            .. RunValidator.Training(config),
        ]);
        BatchCheck.Run(model, model.GetType().Name, train, validation, config);

        using IntraOpThreads threads = IntraOpThreads.Use(config.Threads);
        Device device = DeviceChoice.Resolve(config.Device);
        model.to(device);
        Directory.CreateDirectory(options.OutDir);
        ILogger log = options.Logger;
        log.LogInformation("Training on {Device} with {Threads} intra-op thread(s)", DeviceChoice.Name(device), config.Threads);
        TrainableParameters trainable = new(model, config);
        using ModelEma? ema = config.Ema is { } decay ? new ModelEma(model, decay) : null;
        CheckpointStore store = new(Path.Combine(options.OutDir, "checkpoints"));

        int start = 0;
        TrainingProgress progress = new() { Seed = seed, Threads = config.Threads, Accumulate = config.Accumulate };
        OptimizerGroups groups;
        if (options.Resume && store.Latest() is { } latest)
        {
            start = latest.Epoch;
            TrainingProgress saved = CheckpointStore.ReadProgress(latest.Path);
            if (saved.Seed != seed)
            {
                throw new RuleConfigException(
                    $"--resume: the checkpoint in {latest.Path} was made with seed {saved.Seed}, not {seed}");
            }

            // The optimizer's groups are rebuilt as the interrupted run had them: those of the epochs completed,
            // plus the unfreezes of the epoch it was inside, in the order an uninterrupted run adds them.
            groups = OptimizerGroups.Create(config, trainable, start);
            if (saved.InEpoch is not null)
            {
                LogUnfrozen(log, start + 1, groups.AddUnfrozen(start + 1));
            }

            // --resume --force may change accumulate at an epoch's end (ResumedState refuses it inside one).
            progress = CheckpointStore.Restore(latest.Path, model, groups.Optimizer, ema) with { Accumulate = config.Accumulate };
            if (progress.Threads > 0 && progress.Threads != config.Threads)
            {
                log.LogWarning(
                    "The checkpoint was made with {Saved} intra-op thread(s), this run uses {Threads}: the result will not be bitwise equal to an uninterrupted run",
                    progress.Threads, config.Threads);
                progress = progress with { Threads = config.Threads };
            }

            if (progress.InEpoch is { } partial)
            {
                log.LogInformation(
                    "Resuming epoch {Epoch} after {Examples} of {Total} examples from {Checkpoint}", start + 1, partial.Examples, train.Count, latest.Path);
            }
            else
            {
                log.LogInformation("Resuming after epoch {Epoch} from {Checkpoint}", start, latest.Path);
            }
        }
        else
        {
            groups = OptimizerGroups.Create(config, trainable, 0);
        }

        using OptimizerGroups owned = groups;
        TensorBoardLog? board = options.TensorBoard
            ? TensorBoardLog.Open(options.OutDir, progress.History, progress.History.Count == 0 && progress.InEpoch is null, groups.Groups)
            : null;
        FreezeReport? firstFreezing = null;
        string best = Path.Combine(options.OutDir, "best.safetensors");
        bool stop = progress.StoppedEarly;
        ClassifierLoss loss = ClassifierLoss.Of(config);
        LearningRates rates = new(
            config.Scheduler, config.Epochs,
            new TrainingStep { Accumulate = config.Accumulate }.StepsPerEpoch(EpochRunner.Batches(train.Count, config.BatchSize)));
        for (int epoch = start + 1; epoch <= config.Epochs && !stop; epoch++)
        {
            PartialEpoch? resumed = epoch == start + 1 ? progress.InEpoch : null;
            if (resumed is null)
            {
                LogUnfrozen(log, epoch, groups.AddUnfrozen(epoch));
            }

            FreezeReport freezing = trainable.ApplyGradients(epoch);
            if (epoch == start + 1)
            {
                LogFreezing(log, freezing);
                firstFreezing = freezing;
            }

            Action<int>? beforeStep = rates.StartEpoch(groups, epoch, progress.Plateau);
            double lr = groups.FirstLearningRate;
            IReadOnlyList<double> groupLrs = groups.LearningRates;
            TrainingStep step = new()
            {
                Loss = loss,
                GradClip = config.GradClip,
                Accumulate = config.Accumulate,
                Ema = ema,
                BeforeStep = beforeStep,
            };
            Stopwatch clock = Stopwatch.StartNew();
            double earlier = resumed?.Seconds ?? 0;
            int e = epoch;
            EpochPosition reached = EpochRunner.Train(
                model, groups.Optimizer, train, config.BatchSize, seed, epoch, resumed?.Position ?? EpochPosition.Start,
                trainable.EnterTraining,
                options.Progress is null ? null : b => options.Progress.Report(
                    new FineTuneProgress(e, config.Epochs, b.Batch, b.Batches, null) { Examples = b.Examples, TrainLoss = b.Loss }),
                options.Cancellation,
                step);
            if (reached.Examples < train.Count)
            {
                PartialEpoch partial = new(reached.Examples, reached.LossSum, reached.Correct, earlier + clock.Elapsed.TotalSeconds);
                string saved = store.Commit(model, groups.Optimizer, progress with { InEpoch = partial }, ema);
                board?.Write(progress.History, groups.Groups);
                int batch = EpochRunner.Batches(reached.Examples, config.BatchSize);
                log.LogInformation(
                    "Interrupted in epoch {Epoch} after batch {Batch} of {Batches}; checkpoint written to {Checkpoint}",
                    epoch, batch, EpochRunner.Batches(train.Count, config.BatchSize), saved);
                throw new TrainingInterruptedException(saved, epoch, batch, options.Cancellation);
            }

            (double trainLoss, double trainAcc, _) = reached.Stats;
            EpochMetrics metrics;

            // With finetune.ema, the average is what is evaluated and what best.safetensors holds.
            using (ema?.Swap())
            {
                (double valLoss, double valAcc, _) = TrainingLoop.Evaluate(model, validation, options.EvaluationBatchSize, loss);
                metrics = new(epoch, trainLoss, trainAcc, valLoss, valAcc, lr, earlier + clock.Elapsed.TotalSeconds) { GroupLrs = groupLrs };
                progress = Advance(progress, metrics, config, out bool improved, out stop);
                if (improved)
                {
                    WeightsFile.Write(best, model);
                }
            }

            progress = progress with { Plateau = rates.EndEpoch(groups, epoch, progress.Plateau, m => Value(metrics, m)) };

            MetricsCsv.Write(Path.Combine(options.OutDir, "metrics.csv"), progress.History);
            if (epoch % config.Checkpoint.Every == 0 || epoch == config.Epochs || stop)
            {
                store.Commit(model, groups.Optimizer, progress, ema);
                board?.Write(progress.History, groups.Groups);
            }

            log.LogInformation(
                "Epoch {Epoch}/{Epochs}: train_loss {TrainLoss:F4} train_acc {TrainAcc:F4} val_loss {ValLoss:F4} val_acc {ValAcc:F4} lr {Lr:G4} ({Seconds:F1} s){Note}",
                epoch, config.Epochs, trainLoss, trainAcc, metrics.ValLoss, metrics.ValAcc, lr, metrics.Seconds,
                stop ? " - early stopping" : string.Empty);
            options.Progress?.Report(new FineTuneProgress(epoch, config.Epochs, 0, 0, metrics));
        }

        ema?.CopyIntoModel(); // with finetune.ema, the run's final weights are the average
        WeightsFile.Write(Path.Combine(options.OutDir, "final.safetensors"), model);
        CurvesPlot.TryWrite(Path.Combine(options.OutDir, "curves.png"), progress.History, log);
        return new FineTuneResult(
            progress.History, progress.BestEpoch, progress.StoppedEarly, start, groups.Groups.ToList(),
            firstFreezing ?? trainable.ApplyGradients(config.Epochs))
        {
            Device = DeviceChoice.Name(device),
            Threads = config.Threads,
        };
    }

    /// <summary>Adds an epoch's metrics to the progress, updating the best-model and early-stopping trackers.</summary>
    internal static TrainingProgress Advance(
        TrainingProgress before, EpochMetrics metrics, FineTuneConfig config, out bool improved, out bool stop)
    {
        double keep = Value(metrics, config.Checkpoint.KeepBest);
        improved = before.BestMetric is not { } b || Better(keep, b, config.Checkpoint.KeepBest);
        double? stoppingBest = before.StoppingBest;
        int without = before.EpochsWithoutImprovement;
        stop = false;
        if (config.EarlyStopping is { } es)
        {
            double value = Value(metrics, es.Metric);
            if (stoppingBest is not { } s || Better(value, s, es.Metric))
            {
                stoppingBest = value;
                without = 0;
            }
            else
            {
                without++;
            }

            stop = without >= es.Patience && metrics.Epoch < config.Epochs;
        }

        return before with
        {
            Epoch = metrics.Epoch,
            History = [.. before.History, metrics],
            BestMetric = improved ? keep : before.BestMetric,
            BestEpoch = improved ? metrics.Epoch : before.BestEpoch,
            StoppingBest = stoppingBest,
            EpochsWithoutImprovement = without,
            StoppedEarly = stop,
            InEpoch = null,
        };
    }

    private static double Value(EpochMetrics m, Metric metric) => metric == Metric.ValLoss ? m.ValLoss : m.ValAcc;

    private static bool Better(double value, double best, Metric metric) =>
        metric == Metric.ValLoss ? value < best : value > best;

    private static void LogUnfrozen(ILogger log, int epoch, IReadOnlyList<OptimizerGroup> added)
    {
        foreach (OptimizerGroup group in added)
        {
            log.LogInformation(
                "Epoch {Epoch}: unfreezing {Count} tensors ({Label}) at lr {Lr}",
                epoch, group.ParameterNames.Count, group.Label, group.BaseLr);
        }
    }

    private static void LogFreezing(ILogger log, FreezeReport report)
    {
        log.LogInformation(
            "Freezing: {Frozen} tensors frozen ({FrozenElements} elements), {Trainable} trainable ({TrainableElements} elements); {Source}",
            report.FrozenCount, report.FrozenElements, report.TrainableCount, report.TrainableElements, RunReport.SourceText(report.Source));
        foreach (FrozenParameter p in report.Parameters)
        {
            log.LogInformation("  {State} {Name} ({Elements} elements)", p.Frozen ? "frozen   " : "trainable", p.Name, p.Elements);
        }
    }
}
