using TorchSharp;
using Transfer.Data;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Tests.FineTuning;
using static TorchSharp.torch;

namespace Transfer.Tests.Logging;

/// <summary>
/// <c>log.tensorboard</c>: event files under <c>tensorboard/</c> hold exactly the epochs' metrics and every
/// group's learning rate, with valid TFRecord framing; a resumed run neither repeats nor loses an epoch.
/// </summary>
[Collection(nameof(InProcessTrainingCollection))]
public sealed class TensorBoardLogTests : IDisposable
{
    private readonly string _out = TinyRun.TempDir();
    private readonly LabeledTensors _train = TinyRun.Data(256, 1);
    private readonly LabeledTensors _val = TinyRun.Data(64, 2);

    public void Dispose()
    {
        _train.Dispose();
        _val.Dispose();
        Directory.Delete(_out, true);
    }

    private static FineTuneConfig Config(int epochs) => new()
    {
        Device = "cpu",
        Epochs = epochs,
        BatchSize = 32,
        Optimizer = new OptimizerConfig(OptimizerType.Sgd, 0.05),
        ParamGroups = [new ParamGroupConfig("conv.*", 0.01)],
        Scheduler = new SchedulerConfig(SchedulerType.Step, 1, 0.5),
        Checkpoint = new CheckpointConfig(2, Metric.ValAcc),
    };

    private FineTuneResult Run(nn.Module<Tensor, Tensor> model, FineTuneConfig config, string outDir, bool resume = false,
        CancellationToken cancel = default, IProgress<FineTuneProgress>? progress = null) =>
        FineTuner.Train(model, _train, _val, config, 5, new FineTuneOptions
        {
            OutDir = outDir,
            Resume = resume,
            Cancellation = cancel,
            Progress = progress,
            TensorBoard = true,
        });

    /// <summary>The scalars an epoch must have: its metrics and both groups' rates (base rate halved every epoch).</summary>
    private static IEnumerable<EventScalar> Expected(EpochMetrics m)
    {
        double factor = Math.Pow(0.5, m.Epoch - 1);
        return
        [
            new(m.Epoch, "loss/train", (float)m.TrainLoss),
            new(m.Epoch, "loss/val", (float)m.ValLoss),
            new(m.Epoch, "accuracy/train", (float)m.TrainAcc),
            new(m.Epoch, "accuracy/val", (float)m.ValAcc),
            new(m.Epoch, "lr/default", (float)(0.05 * factor)),
            new(m.Epoch, "lr/param_groups 'conv.*'", (float)(0.01 * factor)),
        ];
    }

    private static string[] EventFiles(string outDir) =>
        Directory.GetFiles(Path.Combine(outDir, "tensorboard")).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Every_epoch_writes_its_losses_accuracies_and_each_groups_learning_rate_exactly()
    {
        using var model = TinyRun.Model();
        FineTuneResult result = Run(model, Config(3), _out);

        string file = Assert.Single(EventFiles(_out));
        Assert.StartsWith("events.out.tfevents.", Path.GetFileName(file));
        (string? version, IReadOnlyList<EventScalar> scalars) = TfEventFile.Read(file);
        Assert.Equal("brain.Event:2", version);
        Assert.Equal(result.History.SelectMany(Expected), scalars);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(_out, "metrics.csv")).Length);
    }

    [Fact]
    public void A_run_stopped_mid_epoch_and_resumed_writes_each_epoch_once_across_its_two_event_files()
    {
        FineTuneConfig config = Config(5);
        string whole = Path.Combine(_out, "whole");
        using (var model = TinyRun.Model())
        {
            Run(model, config, whole);
        }

        string split = Path.Combine(_out, "split");
        using (var first = TinyRun.Model())
        {
            using CancellationTokenSource cancel = new();
            Assert.Throws<TrainingInterruptedException>(() => Run(first, config, split, cancel: cancel.Token,
                progress: new Immediate(p =>
                {
                    if (p.Completed is null && p.Epoch == 4 && p.Batch == 2)
                    {
                        cancel.Cancel();
                    }
                })));
        }

        // Epoch 3 was never checkpointed on its own (every: 2), only with the interruption in epoch 4.
        (_, IReadOnlyList<EventScalar> before) = TfEventFile.Read(Assert.Single(EventFiles(split)));
        Assert.Equal([1L, 2L, 3L], before.Select(s => s.Step).Distinct());

        using (var resumed = TinyRun.Model(seed: 9))
        {
            Run(resumed, config, split, resume: true);
        }

        string[] files = EventFiles(split);
        Assert.Equal(2, files.Length);
        (_, IReadOnlyList<EventScalar> after) = TfEventFile.Read(files[1]);
        Assert.Equal([4L, 5L], after.Select(s => s.Step).Distinct());
        Assert.Equal(EventFiles(whole).SelectMany(f => TfEventFile.Read(f).Scalars), before.Concat(after)); // bitwise, as the weights are
    }

    [Fact]
    public void A_resume_writes_the_committed_epochs_the_event_files_lack()
    {
        FineTuneConfig config = Config(4);
        using (var model = TinyRun.Model())
        {
            Run(model, config with { Epochs = 2 }, _out);
        }

        // As if the process had died right after committing epoch 2, before writing its events.
        foreach (string file in EventFiles(_out))
        {
            File.Delete(file);
        }

        using (var resumed = TinyRun.Model())
        {
            FineTuneResult result = Run(resumed, config, _out, resume: true);
            IReadOnlyList<EventScalar> scalars = TfEventFile.Read(Assert.Single(EventFiles(_out))).Scalars;
            EpochMetrics[] history = [.. result.History];
            Assert.Equal(
                history.Take(2).SelectMany(m => Expected(m).Where(s => s.Tag != "lr/param_groups 'conv.*'"))
                    .Concat(history.Skip(2).SelectMany(Expected)),
                scalars);
        }
    }

    /// <summary>Reports on the training thread, so cancelling takes effect at the very next batch.</summary>
    private sealed class Immediate(Action<FineTuneProgress> report) : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress value) => report(value);
    }
}
