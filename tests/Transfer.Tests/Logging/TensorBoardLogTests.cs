using System.Globalization;
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
public sealed class TensorBoardLogTests() : TinyRunTests(tensorBoard: true)
{
    private static FineTuneConfig StepConfig(int epochs) => new()
    {
        Device = "cpu",
        Epochs = epochs,
        BatchSize = 32,
        Optimizer = new OptimizerConfig(OptimizerType.Sgd, 0.05),
        ParamGroups = [new ParamGroupConfig("conv.*", 0.01)],
        Scheduler = new SchedulerConfig(SchedulerType.Step, 1, 0.5),
        Checkpoint = new CheckpointConfig(2, Metric.ValAcc),
    };

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

    /// <summary>The config run uninterrupted into whole/, and again into split/ stopped after batch <paramref name="batch"/> of epoch <paramref name="epoch"/>.</summary>
    private (string Whole, string Split) WholeAndStopped(FineTuneConfig config, int epoch, int batch)
    {
        string whole = Path.Combine(Out, "whole");
        using (var model = TinyRun.Model())
        {
            Run(model, config, whole);
        }

        string split = Path.Combine(Out, "split");
        RunUntil(config, split, epoch, batch);
        return (whole, split);
    }

    private static string[] EventFiles(string outDir) =>
        Directory.GetFiles(Path.Combine(outDir, "tensorboard")).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Every_epoch_writes_its_losses_accuracies_and_each_groups_learning_rate_exactly()
    {
        using var model = TinyRun.Model();
        FineTuneResult result = Run(model, StepConfig(3));

        string file = Assert.Single(EventFiles(Out));
        Assert.StartsWith("events.out.tfevents.", Path.GetFileName(file));
        (string? version, IReadOnlyList<EventScalar> scalars) = TfEventFile.Read(file);
        Assert.Equal("brain.Event:2", version);
        Assert.Equal(result.History.SelectMany(Expected), scalars);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(Out, "metrics.csv")).Length);
    }

    [Fact]
    public void A_run_stopped_mid_epoch_and_resumed_writes_each_epoch_once_across_its_two_event_files()
    {
        FineTuneConfig config = StepConfig(5);
        (string whole, string split) = WholeAndStopped(config, epoch: 4, batch: 2);

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
    public void A_resume_writes_the_committed_epochs_the_event_files_lack_with_every_groups_rate_as_an_uninterrupted_run()
    {
        // Three groups from epoch 3 on: default, conv.* and the unfreeze.
        FineTuneConfig config = StepConfig(4) with { Freeze = ["fc.3.*"], Unfreeze = [new UnfreezeConfig(3, "fc.3.*", 0.02)] };
        // Killed in epoch 3 after its checkpoint: epochs 1 and 2 are committed (and one unfreeze group added since).
        (string whole, string split) = WholeAndStopped(config, epoch: 3, batch: 2);

        // As if the process had died right after committing, before writing the events of epochs 1 and 2.
        foreach (string file in EventFiles(split))
        {
            File.Delete(file);
        }

        using (var resumed = TinyRun.Model(seed: 9))
        {
            Run(resumed, config, split, resume: true);
        }

        IReadOnlyList<EventScalar> expected = [.. EventFiles(whole).SelectMany(f => TfEventFile.Read(f).Scalars)];
        Assert.Equal(
            [(1L, 2), (2L, 2), (3L, 3), (4L, 3)],
            expected.Where(s => s.Tag.StartsWith("lr/", StringComparison.Ordinal)).GroupBy(s => s.Step).Select(g => (g.Key, g.Count())));
        Assert.Equal(expected, TfEventFile.Read(Assert.Single(EventFiles(split))).Scalars);
    }

    [Fact]
    public void A_resume_after_a_kill_inside_an_epochs_scalars_writes_just_the_missing_ones()
    {
        FineTuneConfig config = StepConfig(5);
        (string whole, string split) = WholeAndStopped(config, epoch: 4, batch: 2);

        // As if killed while writing epoch 3's scalars: its two rates are missing and a third of a record is left.
        string file = Assert.Single(EventFiles(split));
        IReadOnlyList<long> ends = TfEventFile.RecordEnds(file);
        byte[] bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(int)(ends[^3] + ((ends[^2] - ends[^3]) / 3))]);
        File.WriteAllBytes(Path.Combine(Out, "first"), bytes[..(int)ends[^3]]);
        (_, IReadOnlyList<EventScalar> before) = TfEventFile.Read(Path.Combine(Out, "first"));
        Assert.Equal(new EventScalar(3, "accuracy/val", before[^1].Value), before[^1]);

        using (var resumed = TinyRun.Model(seed: 9))
        {
            Run(resumed, config, split, resume: true);
        }

        (_, IReadOnlyList<EventScalar> after) = TfEventFile.Read(EventFiles(split)[1]);
        Assert.Equal(EventFiles(whole).SelectMany(f => TfEventFile.Read(f).Scalars), before.Concat(after));
    }

    public static TheoryData<string> WarmedUpSchedules => ["cosine", "onecycle", "plateau"];

    [Theory]
    [MemberData(nameof(WarmedUpSchedules))]
    public void Each_epochs_lr_of_every_group_is_the_rate_metrics_csv_gives_that_epoch_under_warmup(string schedule)
    {
        FineTuneConfig config = StepConfig(4) with
        {
            Scheduler = schedule switch
            {
                "cosine" => new SchedulerConfig(SchedulerType.Cosine) { WarmupEpochs = 2 },
                "onecycle" => new SchedulerConfig(SchedulerType.OneCycle) { WarmupEpochs = 2 },
                _ => new SchedulerConfig(SchedulerType.Plateau) { WarmupEpochs = 2, Metric = Metric.ValAcc, Patience = 0, Threshold = 0.5 },
            },
        };
        using var model = TinyRun.Model();
        FineTuneResult result = Run(model, config);

        string[][] rows = [.. File.ReadAllLines(Path.Combine(Out, "metrics.csv")).Select(l => l.Split(','))];
        Assert.Equal(["lr_group0", "lr_group1"], rows[0][7..]);
        List<EventScalar> expected = [];
        foreach (string[] row in rows[1..])
        {
            long epoch = long.Parse(row[0], CultureInfo.InvariantCulture);
            expected.AddRange(result.Groups.Select((g, i) =>
                new EventScalar(epoch, $"lr/{g.Label}", (float)double.Parse(row[7 + i], CultureInfo.InvariantCulture))));
        }

        IReadOnlyList<EventScalar> rates = [.. TfEventFile.Read(Assert.Single(EventFiles(Out))).Scalars.Where(s => s.Tag.StartsWith("lr/", StringComparison.Ordinal))];
        Assert.Equal(expected, rates);

        // Warmup from 0.1 of the default group's 0.05, linearly to 1 at epoch 3: the epoch's own rates, set before it trains.
        Assert.Equal([0.005f, 0.0275f], rates.Where(r => r.Tag == "lr/default").Take(2).Select(r => r.Value), (a, b) => Math.Abs(a - b) < 1e-9f);
    }
}
