using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Rules.Errors;
using Transfer.Training;

namespace Transfer.Tests.FineTuning;

/// <summary>
/// <c>--resume --force</c> into a config whose training features differ: what the checkpoint cannot continue
/// (an EMA it never kept, another accumulate inside an epoch) is refused in one line before anything changes;
/// the rest (ema off, another scheduler, accumulate at an epoch's end) applies from the resumed point on.
/// </summary>
[Collection(nameof(InProcessTrainingCollection))]
public sealed class ForcedResumeTests : TinyRunTests
{
    private Dictionary<string, byte[]> Files() =>
        Directory.GetFiles(Out, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

    [Fact]
    public void A_checkpoint_inside_an_epoch_refuses_another_accumulate_and_continues_at_its_own()
    {
        FineTuneConfig config = Config(3) with { Accumulate = 2 };
        TrainingInterruptedException stopped = RunUntil(config, Out, epoch: 2, batch: 3); // finishes the group at batch 4
        Assert.Equal(Path.Combine(Out, "checkpoints", "epoch-0002-at-128"), stopped.Checkpoint);
        Dictionary<string, byte[]> before = Files();

        using var model = TinyRun.Model();
        var e = Assert.Throws<RuleConfigException>(() => Run(model, config with { Accumulate = 4 }, resume: true));
        Assert.Equal(
            $"finetune.accumulate: the checkpoint in {stopped.Checkpoint} was made inside epoch 2, whose optimizer steps group its batches by 2; resume with accumulate 2 (it may change at an epoch's end)",
            e.Message);
        Assert.Equal(before, Files());

        FineTuneResult resumed = Run(model, config, resume: true);
        Assert.Equal((1, 3), (resumed.ResumedFrom, resumed.History.Count));
    }

    [Fact]
    public void At_an_epochs_end_accumulate_and_the_scheduler_may_change_and_apply_from_the_next_epoch()
    {
        using (var first = TinyRun.Model())
        {
            Run(first, Config(1) with { Accumulate = 2, Scheduler = new SchedulerConfig(SchedulerType.Step, 1, 0.5) });
        }

        SchedulerConfig cosine = new(SchedulerType.Cosine);
        using var model = TinyRun.Model();
        FineTuneResult result = Run(model, Config(2) with { Accumulate = 4, Scheduler = cosine }, resume: true);

        Assert.Equal((1, 2), (result.ResumedFrom, result.History.Count));
        Assert.Equal(1e-2 * LearningRateSchedule.Factor(cosine, 2, 2), result.History[1].Lr, 15);
    }

    [Fact]
    public void Ema_is_refused_on_a_checkpoint_without_an_average_and_may_be_turned_off()
    {
        using (var first = TinyRun.Model())
        {
            Run(first, Config(1));
        }

        Dictionary<string, byte[]> before = Files();
        using var model = TinyRun.Model();
        var e = Assert.Throws<RuleConfigException>(() => Run(model, Config(2) with { Ema = 0.9 }, resume: true));
        Assert.Equal(
            $"finetune.ema: the checkpoint in {Path.Combine(Out, "checkpoints", "epoch-0001")} holds no weight average (the run trained without ema), so it cannot continue one; resume without finetune.ema, or start a new run",
            e.Message);
        Assert.Equal(before, Files());

        string averaged = Path.Combine(Out, "averaged");
        using (var first = TinyRun.Model())
        {
            Run(first, Config(1) with { Ema = 0.9 }, averaged);
        }

        FineTuneResult withoutEma = Run(model, Config(2), averaged, resume: true);
        Assert.Equal((1, 2), (withoutEma.ResumedFrom, withoutEma.History.Count));
        Assert.False(File.Exists(Path.Combine(averaged, "checkpoints", "epoch-0002", "ema.safetensors")));
    }

    [Fact]
    public void A_forced_run_resume_refused_for_its_ema_leaves_config_yaml_and_every_file_untouched()
    {
        string file = Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml");
        FineTuneRun.Execute(RunConfigReader.Load(file, ["finetune.epochs=1", "finetune.unfreeze=[]"]), new FineTuneOptions { OutDir = Out });
        Dictionary<string, byte[]> before = Files();

        RunConfig changed = RunConfigReader.Load(file, ["finetune.epochs=2", "finetune.ema=0.9", "finetune.unfreeze=[]"]);
        var e = Assert.Throws<RuleConfigException>(() =>
            FineTuneRun.Execute(changed, new FineTuneOptions { OutDir = Out, Resume = true, Force = true }));
        Assert.StartsWith($"finetune.ema: the checkpoint in {Path.Combine(Out, "checkpoints", "epoch-0001")} holds no weight average", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Files());
    }
}
