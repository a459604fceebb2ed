using TorchSharp;
using Transfer.Data;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Freezing;
using Transfer.Rules.Errors;
using Transfer.Training;
using static TorchSharp.torch;

namespace Transfer.Tests.FineTuning;

[Collection(nameof(InProcessTrainingCollection))]
public sealed class FineTunerTests : TinyRunTests
{

    [Fact]
    public void Frozen_tensors_including_batchnorm_statistics_are_bitwise_unchanged_and_the_rest_trains()
    {
        using var model = TinyRun.Model();
        Dictionary<string, byte[]> before = TinyRun.State(model);
        Run(model, Config() with { Freeze = ["conv.*"] });
        Dictionary<string, byte[]> after = TinyRun.State(model);
        foreach (string key in before.Keys)
        {
            if (key.StartsWith("conv.", StringComparison.Ordinal))
            {
                Assert.True(before[key].AsSpan().SequenceEqual(after[key]), $"{key} changed");
            }
            else
            {
                Assert.False(before[key].AsSpan().SequenceEqual(after[key]), $"{key} did not change");
            }
        }

        Assert.Contains("conv.1.running_mean", before.Keys);
    }

    [Fact]
    public void Frozen_batchnorm_in_train_policy_updates_running_statistics_but_not_weights()
    {
        using var model = TinyRun.Model();
        Dictionary<string, byte[]> before = TinyRun.State(model);
        Run(model, Config(1) with { Freeze = ["conv.*"], FrozenBn = FrozenBatchNorm.Train });
        Dictionary<string, byte[]> after = TinyRun.State(model);
        Assert.False(before["conv.1.running_mean"].AsSpan().SequenceEqual(after["conv.1.running_mean"]));
        Assert.True(before["conv.1.weight"].AsSpan().SequenceEqual(after["conv.1.weight"]));
    }

    [Fact]
    public void Frozen_parameters_are_in_no_optimizer_group_and_unfreezing_adds_a_group_with_its_lr()
    {
        using var model = TinyRun.Model();
        FineTuneResult result = Run(model, Config(2) with
        {
            Freeze = ["conv.*"],
            ParamGroups = [new ParamGroupConfig("fc.1.*", 1e-3)],
            Unfreeze = [new UnfreezeConfig(2, "conv.0.*", 5e-4)],
        });
        Assert.Equal(
            [
                new OptimizerGroup("default", 1e-2, ["fc.3.weight", "fc.3.bias"]),
                new OptimizerGroup("param_groups 'fc.1.*'", 1e-3, ["fc.1.weight", "fc.1.bias"]),
                new OptimizerGroup("unfreeze 'conv.0.*' at epoch 2", 5e-4, ["conv.0.weight", "conv.0.bias"]),
            ],
            result.Groups,
            new GroupComparer());
    }

    [Fact]
    public void Unfrozen_parameters_train_only_from_their_epoch()
    {
        using var model = TinyRun.Model();
        byte[] start = TinyRun.State(model)["conv.0.weight"];
        byte[]? afterEpoch1 = null;
        Run(model, Config(2) with { Freeze = ["conv.*"], Unfreeze = [new UnfreezeConfig(2, "conv.0.*", 1e-3)] },
            progress: new SynchronousProgress(p =>
            {
                if (p.Completed?.Epoch == 1)
                {
                    afterEpoch1 = TinyRun.State(model)["conv.0.weight"];
                }
            }));
        Assert.Equal(start, afterEpoch1);
        Assert.NotEqual(start, TinyRun.State(model)["conv.0.weight"]);
    }

    [Fact]
    public void A_freeze_pattern_that_matches_nothing_is_an_error()
    {
        using var model = TinyRun.Model();
        var e = Assert.Throws<RuleConfigException>(() => Run(model, Config() with { Freeze = ["convs.*"] }));
        var far = Assert.Throws<RuleConfigException>(() => Run(model, Config() with { Freeze = ["backbone.*"] }));
        Assert.Equal("finetune.freeze: 'backbone.*' matches no parameter of the model (parameter names start with 'conv.', 'fc.')", far.Message);
        Assert.Equal("finetune.freeze: 'convs.*' matches no parameter of the model; did you mean 'conv.*'?", e.Message);
    }

    [Fact]
    public void Metrics_csv_has_the_header_and_one_invariant_row_per_epoch()
    {
        using var model = TinyRun.Model();
        FineTuneResult result = Run(model, Config(3) with { Scheduler = new SchedulerConfig(SchedulerType.Step, 1, 0.5) });
        string[] lines = File.ReadAllLines(Path.Combine(Out, "metrics.csv"));
        Assert.Equal("epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds,lr_group0", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Equal(["1", "2", "3"], lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal(["0.01", "0.005", "0.0025"], lines.Skip(1).Select(l => l.Split(',')[5]));
        Assert.Equal(["0.01", "0.005", "0.0025"], lines.Skip(1).Select(l => l.Split(',')[7]));
        Assert.All(lines.Skip(1), l => Assert.Equal(8, l.Split(',').Length));
        Assert.Equal(3, result.History.Count);
        Assert.True(result.History[^1].ValAcc > 0.5, $"val_acc {result.History[^1].ValAcc}");
        Assert.True(File.Exists(Path.Combine(Out, "final.safetensors")));
        Assert.True(File.Exists(Path.Combine(Out, "best.safetensors")));
        byte[] png = File.ReadAllBytes(Path.Combine(Out, "curves.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void A_run_stopped_mid_epoch_checkpoints_that_batch_and_resumed_ends_bitwise_equal_to_an_uninterrupted_run()
    {
        FineTuneConfig config = Config(3) with
        {
            Freeze = ["conv.*"],
            Unfreeze = [new UnfreezeConfig(3, "conv.0.*", 1e-3)],
            Scheduler = new SchedulerConfig(SchedulerType.Cosine),
        };
        using var whole = TinyRun.Model();
        Run(whole, config, Path.Combine(Out, "whole"));

        string split = Path.Combine(Out, "split");
        TrainingInterruptedException stopped = RunUntil(config, split, epoch: 2, batch: 3);
        Assert.Equal((2, 3), (stopped.Epoch, stopped.Batch));
        Assert.Equal(Path.Combine(split, "checkpoints", "epoch-0002-at-96"), stopped.Checkpoint);
        Assert.Equal(["epoch-0002-at-96"], Directory.GetDirectories(Path.Combine(split, "checkpoints")).Select(Path.GetFileName));

        // A checkpoint that was being written when the process died: ignored on resume.
        Directory.CreateDirectory(Path.Combine(split, "checkpoints", ".epoch-0002.deadbeef.tmp"));
        File.WriteAllText(Path.Combine(split, "checkpoints", ".epoch-0002.deadbeef.tmp", "model.dat"), "half");

        using var resumed = TinyRun.Model(seed: 99);
        FineTuneResult result = Run(resumed, config, split, resume: true);
        Assert.Equal(1, result.ResumedFrom);
        Assert.Equal(TinyRun.State(whole), TinyRun.State(resumed));
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(Out, "whole", "final.safetensors")),
            File.ReadAllBytes(Path.Combine(split, "final.safetensors")));
        Assert.Equal(MetricsRows.WithoutSeconds(Path.Combine(Out, "whole")), MetricsRows.WithoutSeconds(split));
        Assert.Equal(["epoch-0003"], Directory.GetDirectories(Path.Combine(split, "checkpoints")).Select(Path.GetFileName));
    }

    [Fact]
    public void Without_freeze_patterns_the_callers_requires_grad_flags_decide_and_the_report_says_so()
    {
        using var model = TinyRun.Model();
        foreach ((string name, TorchSharp.Modules.Parameter p) in model.named_parameters())
        {
            p.requires_grad = !name.StartsWith("conv.", StringComparison.Ordinal);
        }

        Dictionary<string, byte[]> before = TinyRun.State(model);
        FineTuneResult result = Run(model, Config(1));
        Dictionary<string, byte[]> after = TinyRun.State(model);
        Assert.Equal(FreezeSource.Model, result.Freezing.Source);
        Assert.Equal(
            ["conv.0.weight", "conv.0.bias", "conv.1.weight", "conv.1.bias"],
            result.Freezing.Parameters.Where(p => p.Frozen).Select(p => p.Name));
        Assert.Equal(before["conv.0.weight"], after["conv.0.weight"]);
        Assert.NotEqual(before["fc.1.weight"], after["fc.1.weight"]);
    }

    [Fact]
    public void Freeze_patterns_replace_the_callers_flags_and_the_report_says_so()
    {
        using var model = TinyRun.Model();
        foreach ((string _, TorchSharp.Modules.Parameter p) in model.named_parameters())
        {
            p.requires_grad = false;
        }

        FineTuneResult result = Run(model, Config(1) with { Freeze = ["fc.1.*"] });
        Assert.Equal(FreezeSource.Patterns, result.Freezing.Source);
        Assert.Equal(["fc.1.weight", "fc.1.bias"], result.Freezing.Parameters.Where(p => p.Frozen).Select(p => p.Name));
    }

    [Fact]
    public void A_run_trains_at_its_configured_threads_and_restores_the_callers_count()
    {
        using var model = TinyRun.Model();
        using IntraOpThreads caller = IntraOpThreads.Use(2);
        List<int> during = [];
        FineTuneResult result = Run(model, Config(1) with { Threads = 1 }, progress: new SynchronousProgress(_ => during.Add(torch.get_num_threads())));
        Assert.Equal([1], during.Distinct());
        Assert.Equal(2, torch.get_num_threads());
        Assert.Equal(("cpu", 1), (result.Device, result.Threads));
    }

    [Fact]
    public void Early_stopping_ends_the_run_when_the_metric_stops_improving()
    {
        using var model = TinyRun.Model();
        FineTuneResult result = Run(model, Config(20) with
        {
            Optimizer = new OptimizerConfig(OptimizerType.Sgd, 1e-9),
            EarlyStopping = new EarlyStoppingConfig(Metric.ValLoss, 2),
        });
        Assert.True(result.StoppedEarly);
        Assert.True(result.History.Count < 20, $"{result.History.Count} epochs");
        Assert.Equal(result.History.Count + 1, File.ReadAllLines(Path.Combine(Out, "metrics.csv")).Length);
    }

    [Fact]
    public void A_last_batch_of_one_that_a_batchnorm_would_see_as_one_value_per_channel_is_refused_before_training()
    {
        // BatchNorm1d on [N, 16]: a batch of one is one value per channel, which PyTorch refuses in training and
        // TorchSharp turns into a NaN running variance. 33 examples in batches of 32 leave one.
        using LabeledTensors train = TinyRun.Data(33, 1);
        using nn.Module<Tensor, Tensor> model = nn.Sequential(
            ("fc", nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 4))));
        var e = Assert.Throws<RuleConfigException>(() => FineTuner.Train(model, train, ValSet, Config(1), 5, new FineTuneOptions { OutDir = Out }));
        Assert.Equal(
            "finetune.batch_size: the last training batch holds 1 example (33 = 1 × 32 + 1), and Sequential's BatchNorm 'fc.2' would then see one value per channel, which PyTorch refuses in training (its running variance would become NaN); choose a batch_size that leaves no batch of one (e.g. 31)",
            e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Out));

        // The suggested size trains. A BatchNorm2d that sees a 6 x 6 map per example takes a batch of one: the check
        // passes and leaves every running statistic (and the train/eval mode) exactly as it was.
        Assert.All(FineTuner.Train(model, train, ValSet, Config(1) with { BatchSize = 31 }, 5, new FineTuneOptions { OutDir = TinyRun.TempDir() }).History, h => Assert.False(double.IsNaN(h.ValLoss)));
        using var conv = TinyRun.Model();
        Dictionary<string, byte[]> before = TinyRun.State(conv);
        BatchCheck.Run(conv, "TinyRun", train, ValSet, Config(1) with { BatchSize = 32 });
        Dictionary<string, byte[]> after = TinyRun.State(conv);
        Assert.Contains("conv.1.num_batches_tracked", after.Keys);
        Assert.All(before, kv => Assert.True(kv.Value.AsSpan().SequenceEqual(after[kv.Key]), $"{kv.Key} changed"));
        Assert.True(conv.training);
    }

    [Fact]
    public void A_batch_of_one_trains_when_the_batchnorm_stays_frozen_in_eval_mode_and_is_refused_once_an_unfreeze_releases_it()
    {
        // The last batch holds one example. A frozen BatchNorm1d under frozen_bn: eval normalises with its running
        // statistics, which PyTorch accepts for a batch of one: the run trains and the layer's statistics stay as loaded.
        using LabeledTensors train = TinyRun.Data(33, 1);
        using nn.Module<Tensor, Tensor> model = nn.Sequential(
            ("fc", nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 4))));
        Dictionary<string, byte[]> before = TinyRun.State(model);
        FineTuneConfig frozen = Config(2) with { Freeze = ["fc.1.*", "fc.2.*"] };
        Assert.All(FineTuner.Train(model, train, ValSet, frozen, 5, new FineTuneOptions { OutDir = TinyRun.TempDir() }).History, h => Assert.False(double.IsNaN(h.ValLoss)));
        Dictionary<string, byte[]> after = TinyRun.State(model);
        Assert.All(new[] { "fc.2.running_mean", "fc.2.running_var", "fc.2.num_batches_tracked" }, k => Assert.Equal(before[k], after[k]));

        // Released in the second epoch, it would train on the batch of one: refused before training, as without freezing.
        string released = TinyRun.TempDir();
        var e = Assert.Throws<RuleConfigException>(() => FineTuner.Train(model, train, ValSet,
            frozen with { Unfreeze = [new UnfreezeConfig(2, "fc.2.*", 1e-3)] }, 5, new FineTuneOptions { OutDir = released }));
        Assert.StartsWith("finetune.batch_size: the last training batch holds 1 example (33 = 1 × 32 + 1), and Sequential's BatchNorm 'fc.2' would then see one value per channel", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(released));

        // frozen_bn: train keeps frozen BatchNorm layers in training mode: refused too.
        Assert.Throws<RuleConfigException>(() => FineTuner.Train(model, train, ValSet,
            frozen with { FrozenBn = FrozenBatchNorm.Train }, 5, new FineTuneOptions { OutDir = released }));
    }

    [Fact]
    public void A_diverged_run_checkpoints_its_nan_losses_and_resumes_with_them()
    {
        // A learning rate far too high: the losses become NaN, which checkpoints (state.json) must hold and give back.
        FineTuneConfig diverging = Config(2) with { Optimizer = new OptimizerConfig(OptimizerType.Sgd, 1e12) };
        using (var model = TinyRun.Model())
        {
            FineTuneResult first = Run(model, diverging);
            Assert.True(double.IsNaN(first.History[^1].TrainLoss), $"train_loss {first.History[^1].TrainLoss}");
        }

        using var again = TinyRun.Model();
        FineTuneResult resumed = Run(again, diverging with { Epochs = 3 }, resume: true);

        Assert.Equal([1, 2, 3], resumed.History.Select(e => e.Epoch));
        Assert.All(resumed.History, e => Assert.True(double.IsNaN(e.TrainLoss) && double.IsNaN(e.ValLoss)));
        Assert.Contains(",NaN,", File.ReadAllLines(Path.Combine(Out, "metrics.csv"))[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_fresh_run_refuses_an_out_folder_holding_checkpoints_and_resume_refuses_another_seed()
    {
        using (var model = TinyRun.Model())
        {
            Run(model, Config(1));
        }

        using var again = TinyRun.Model();
        var fresh = Assert.Throws<RuleConfigException>(() => Run(again, Config(2)));
        Assert.Equal($"--out: {Out} already holds a checkpoint of a run (epoch 1); pass --resume to continue it, or choose another --out", fresh.Message);
        var seed = Assert.Throws<RuleConfigException>(() => FineTuner.Train(again, TrainSet, ValSet, Config(2), 6,
            new FineTuneOptions { OutDir = Out, Resume = true }));
        Assert.Equal($"--resume: the checkpoint in {Path.Combine(Out, "checkpoints", "epoch-0001")} was made with seed 5, not 6", seed.Message);
    }

    private sealed class GroupComparer : IEqualityComparer<OptimizerGroup>
    {
        public bool Equals(OptimizerGroup? x, OptimizerGroup? y) =>
            x!.Label == y!.Label && x.BaseLr == y.BaseLr && x.ParameterNames.SequenceEqual(y.ParameterNames);

        public int GetHashCode(OptimizerGroup obj) => obj.Label.GetHashCode(StringComparison.Ordinal);
    }
}
