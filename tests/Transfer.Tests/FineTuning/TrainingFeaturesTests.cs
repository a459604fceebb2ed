using TorchSharp;
using Transfer.Data;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Formats;
using Transfer.Rules.Errors;
using Transfer.Training;
using static TorchSharp.torch;

namespace Transfer.Tests.FineTuning;

/// <summary>
/// The training features through <see cref="FineTuner"/>: a run with all of them on resumes bitwise, the EMA is
/// what is evaluated and saved, metrics.csv has every group's rate, and BCE trains a one-logit binary head.
/// </summary>
[Collection(nameof(InProcessTrainingCollection))]
public sealed class TrainingFeaturesTests : TinyRunTests
{

    public static TheoryData<string> Schedules => ["onecycle", "plateau"];

    [Theory]
    [MemberData(nameof(Schedules))]
    public void A_run_with_every_feature_on_stopped_mid_accumulation_resumes_bitwise_equal_to_an_uninterrupted_run(string schedule)
    {
        FineTuneConfig config = Config(4) with
        {
            Accumulate = 3, // 8 batches an epoch: optimizer steps after batches 3, 6 and 8
            GradClip = 0.5,
            LabelSmoothing = 0.1,
            Ema = 0.9,
            Freeze = ["conv.*"],
            Unfreeze = [new UnfreezeConfig(3, "conv.0.*", 1e-3)],
            ParamGroups = [new ParamGroupConfig("fc.1.*", 5e-3)],
            Scheduler = schedule == "onecycle"
                ? new SchedulerConfig(SchedulerType.OneCycle) { WarmupEpochs = 1 }
                : new SchedulerConfig(SchedulerType.Plateau) { WarmupEpochs = 1, Metric = Metric.ValAcc, Patience = 0, Threshold = 0.5 },
        };
        string whole = Path.Combine(Out, "whole");
        using (var model = TinyRun.Model())
        {
            Run(model, config, whole);
        }

        string split = Path.Combine(Out, "split");
        TrainingInterruptedException stopped = RunUntil(config, split, epoch: 2, batch: 4);

        // Asked to stop after batch 4, the run finishes the accumulation group (batches 4 to 6) first.
        Assert.Equal((2, 6), (stopped.Epoch, stopped.Batch));
        Assert.Equal(Path.Combine(split, "checkpoints", "epoch-0002-at-192"), stopped.Checkpoint);
        Assert.True(File.Exists(Path.Combine(stopped.Checkpoint, "ema.safetensors")));

        using (var resumed = TinyRun.Model(seed: 99))
        {
            Run(resumed, config, split, resume: true);
        }

        foreach (string file in new[] { "final.safetensors", "best.safetensors", Path.Combine("checkpoints", "epoch-0004", "model.dat"),
            Path.Combine("checkpoints", "epoch-0004", "ema.safetensors"), Path.Combine("checkpoints", "epoch-0004", "optimizer.dat") })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(whole, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(split, file))), file);
        }

        List<string[]> rows = Rows(whole);
        Assert.Equal(MetricsRows.WithoutSeconds(whole), MetricsRows.WithoutSeconds(split));
        Assert.Equal(["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds", "lr_group0", "lr_group1", "lr_group2"], rows[0]);
        List<double> firstGroup = [.. rows.Skip(1).Select(r => double.Parse(r[7], System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal(1e-3, firstGroup[0], 15); // warmup: 0.1 of the default group's 1e-2
        Assert.True(firstGroup.Skip(1).Distinct().Count() > 1, $"the {schedule} schedule never changed the rate: {string.Join(", ", firstGroup)}");
    }

    [Fact]
    public void With_ema_evaluation_best_and_final_use_the_average_and_the_checkpoint_keeps_the_trained_weights()
    {
        using var model = TinyRun.Model();
        Dictionary<string, byte[]> initial = TinyRun.State(model);
        FineTuneResult result = Run(model, Config(2) with { Ema = 0.5, Freeze = ["conv.0.*"] }, Out);

        Dictionary<string, byte[]> final = Tensors(Path.Combine(Out, "final.safetensors"));
        Assert.Equal(final, TinyRun.State(model)); // the model left in memory is the average too
        Assert.Equal(final, Tensors(Path.Combine(Out, "checkpoints", "epoch-0002", "ema.safetensors")));
        Assert.Equal(initial["conv.0.weight"], final["conv.0.weight"]); // frozen tensors stay bitwise as loaded

        using var trained = TinyRun.Model(seed: 7);
        using (FileStream s = File.OpenRead(Path.Combine(Out, "checkpoints", "epoch-0002", "model.dat")))
        using (BinaryReader reader = new(s))
        {
            trained.load(reader);
        }

        Assert.NotEqual(final["fc.3.weight"], TinyRun.State(trained)["fc.3.weight"]);

        // The last row's validation numbers are the average's.
        using (IntraOpThreads.Use(1))
        {
            (double loss, double acc, _) = TrainingLoop.Evaluate(model, ValSet);
            Assert.Equal((result.History[^1].ValLoss, result.History[^1].ValAcc), (loss, acc));
        }
    }

    [Fact]
    public void Metrics_csv_has_the_rate_of_every_optimizer_group_each_epoch()
    {
        using var model = TinyRun.Model();
        Run(model, Config(3) with
        {
            Freeze = ["conv.*"],
            ParamGroups = [new ParamGroupConfig("fc.1.*", 1e-3)],
            Unfreeze = [new UnfreezeConfig(2, "conv.0.*", 5e-4)],
            Scheduler = new SchedulerConfig(SchedulerType.Step, 1, 0.5),
        }, Out);
        Assert.Equal(
            [
                "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds,lr_group0,lr_group1,lr_group2",
                "1,0.01,0.001,",
                "2,0.005,0.0005,0.00025",
                "3,0.0025,0.00025,0.000125",
            ],
            File.ReadAllLines(Path.Combine(Out, "metrics.csv")).Select((l, i) => i == 0 ? l : string.Join(',', l.Split(',').Where((_, c) => c == 0 || c >= 7))));
    }

    [Fact]
    public void Bce_trains_a_one_logit_head_and_scores_a_logit_whose_sigmoid_is_above_one_half_as_class_one()
    {
        using LabeledTensors train = Binary(TrainSet);
        using LabeledTensors val = Binary(ValSet);
        using var model = OneLogitModel();
        FineTuneResult result = Run(model, Config(3) with { Loss = LossKind.Bce }, Out, train: train, val: val);

        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss, "BCE did not train");
        using (no_grad())
        using (IntraOpThreads.Use(1))
        {
            model.eval();
            using Tensor logits = model.call(val.Images).reshape(-1);
            double accuracy = logits.sigmoid().gt(0.5).to(int64).eq(val.Labels).to(float64).mean().item<double>();
            double loss = nn.functional.binary_cross_entropy_with_logits(logits, val.Labels.to(float32)).item<float>();
            Assert.Equal(accuracy, result.History[^1].ValAcc, 12);
            Assert.Equal(loss, result.History[^1].ValLoss, 5);
        }
    }

    [Fact]
    public void Bce_refuses_a_head_wider_than_one_logit_and_data_with_more_than_two_classes()
    {
        using LabeledTensors train = Binary(TrainSet);
        using LabeledTensors val = Binary(ValSet);
        using var wide = TinyRun.Model();
        var e = Assert.Throws<RuleConfigException>(() => Run(wide, Config(1) with { Loss = LossKind.Bce }, Out, train: train, val: val));
        Assert.Equal(
            "finetune.loss: bce needs a one-logit head, but Sequential's head has 4 outputs; give the model 1 output (e.g. target.classes: 1)",
            e.Message);

        using var narrow = OneLogitModel();
        e = Assert.Throws<RuleConfigException>(() => Run(narrow, Config(1) with { Loss = LossKind.Bce }, Out));
        Assert.Equal(
            "finetune.loss: bce trains a binary classifier (labels 0 and 1), but the data has 4 classes; use loss: cross_entropy",
            e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Out));
    }

    [Fact]
    public void Bf16_is_refused_in_one_line_before_the_run_writes_anything()
    {
        string outDir = Path.Combine(Out, "new");
        RunConfig config = RunConfigReader.Load(
            Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml"), ["finetune.precision=bf16", "finetune.grad_clip=0"]);
        var e = Assert.Throws<RuleConfigException>(() => FineTuneRun.Execute(config, new FineTuneOptions { OutDir = outDir }));
        Assert.Equal(
            "2 problems: finetune.grad_clip: must be a number > 0, got 0; "
            + "finetune.precision: bf16 needs autocast, which TorchSharp 0.107 does not provide on any device (cpu or cuda); use fp32",
            e.Message);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Bce_refuses_an_export_of_probabilities_or_labels_which_a_one_logit_head_cannot_give()
    {
        RunConfig config = RunConfigReader.Load(
            Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml"), ["finetune.loss=bce", "export={output: probs}"]);
        var e = Assert.Throws<RuleConfigException>(() => FineTuneRun.Execute(config, new FineTuneOptions { OutDir = Path.Combine(Out, "new") }));
        Assert.Equal(
            "export.output: 'probs' takes a softmax or argmax over classes, which a one-logit bce head does not have; use output: logits", e.Message);
    }

    /// <summary>The tiny data with "is the brightest quadrant on the right" as its label.</summary>
    private static LabeledTensors Binary(LabeledTensors data) => new(data.Images.clone(), data.Labels.remainder(2), 2);

    private static nn.Module<Tensor, Tensor> OneLogitModel()
    {
        var model = nn.Sequential(
            ("conv", nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU())),
            ("fc", nn.Sequential(nn.Flatten(), nn.Linear(4 * 6 * 6, 16), nn.ReLU(), nn.Linear(16, 1))));
        using Generator g = new(3);
        Transfer.Models.SeededInit.Apply(model, g);
        return model;
    }

    private static Dictionary<string, byte[]> Tensors(string path)
    {
        using Checkpoint file = CheckpointReader.Open(path);
        return file.Tensors.ToDictionary(t => t.Spec.Name, t =>
        {
            using Tensor value = t.Load();
            return value.bytes.ToArray();
        });
    }

    private static List<string[]> Rows(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, "metrics.csv")).Select(l => l.Split(','))];
}
