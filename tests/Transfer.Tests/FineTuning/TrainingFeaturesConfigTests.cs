using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Rules.Errors;

namespace Transfer.Tests.FineTuning;

/// <summary>
/// The training features' keys: read from YAML and <c>--set</c>, checked by <see cref="RunValidator"/> with one
/// line per problem, written back into config.yaml so that it reads back as the same config.
/// </summary>
public sealed class TrainingFeaturesConfigTests
{
    private const string Minimal = "source: { path: a.pt }\ntarget: { model: LeNet6 }\ndata: { kind: idx }\nfinetune:\n  epochs: 4\n";

    private static RunConfig Parse(params string[] overrides) => RunConfigReader.Parse(Minimal, "run.yaml", "/", overrides);

    public static TheoryData<string[], string> OutOfRange => new()
    {
        { ["finetune.grad_clip=0"], "finetune.grad_clip: must be a number > 0, got 0" },
        { ["finetune.accumulate=0"], "finetune.accumulate: must be an integer >= 1, got 0" },
        { ["finetune.label_smoothing=1"], "finetune.label_smoothing: must be a number in [0, 1), got 1" },
        { ["finetune.label_smoothing=-0.1"], "finetune.label_smoothing: must be a number in [0, 1), got -0.1" },
        { ["finetune.ema=1"], "finetune.ema: must be a decay in (0, 1), e.g. 0.999, got 1" },
        { ["finetune.ema=0"], "finetune.ema: must be a decay in (0, 1), e.g. 0.999, got 0" },
        { ["finetune.loss=bce", "finetune.label_smoothing=0.1"], "finetune.label_smoothing: applies to loss cross_entropy only, not bce" },
        {
            ["finetune.precision=bf16"],
            "finetune.precision: bf16 needs autocast, which TorchSharp 0.107 does not provide on any device (cpu or cuda); use fp32"
        },
        { ["finetune.scheduler.warmup_epochs=4"], "finetune.scheduler.warmup_epochs: must be an integer >= 0 and below epochs (4), got 4" },
        { ["finetune.scheduler.warmup_start_factor=0"], "finetune.scheduler.warmup_start_factor: must be a number in (0, 1], got 0" },
        { ["finetune.scheduler.type=onecycle", "finetune.scheduler.pct_start=1"], "finetune.scheduler.pct_start: must be a number in (0, 1), got 1" },
        { ["finetune.scheduler.type=onecycle", "finetune.scheduler.div_factor=0"], "finetune.scheduler.div_factor: must be a number > 0, got 0" },
        { ["finetune.scheduler.type=plateau", "finetune.scheduler.factor=1"], "finetune.scheduler.factor: must be a number in (0, 1), got 1" },
        { ["finetune.scheduler.type=plateau", "finetune.scheduler.patience=-1"], "finetune.scheduler.patience: must be an integer >= 0, got -1" },
        { ["finetune.scheduler.type=plateau", "finetune.scheduler.min_lr=-1"], "finetune.scheduler.min_lr: must be a number >= 0, got -1" },
        {
            ["finetune.grad_clip=-1", "finetune.accumulate=0"],
            "2 problems: finetune.grad_clip: must be a number > 0, got -1; finetune.accumulate: must be an integer >= 1, got 0"
        },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Every_out_of_range_training_key_is_a_one_line_problem(string[] overrides, string message)
    {
        var e = Assert.Throws<RuleConfigException>(() => RunValidator.ThrowIfAny(RunValidator.Training(Parse(overrides).FineTune)));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(RunValidator.Training(Parse().FineTune));

    [Theory]
    [InlineData("finetune.grad_clp=1", "--set finetune.grad_clp=1: unknown key 'grad_clp' in 'finetune'; did you mean 'grad_clip'?")]
    [InlineData("finetune.loss=bce2", "--set finetune.loss=bce2: 'finetune.loss' must be one of cross_entropy, bce, got 'bce2'; did you mean 'bce'?")]
    [InlineData("finetune.precision=fp16", "--set finetune.precision=fp16: 'finetune.precision' must be one of fp32, bf16, got 'fp16'; did you mean 'fp32'?")]
    [InlineData("finetune.scheduler.type=onecycles", "--set finetune.scheduler.type=onecycles: 'finetune.scheduler.type' must be one of none, step, cosine, onecycle, plateau, got 'onecycles'; did you mean 'onecycle'?")]
    [InlineData("finetune.scheduler.warmup_epoch=1", "--set finetune.scheduler.warmup_epoch=1: unknown key 'warmup_epoch' in 'finetune.scheduler'; did you mean 'warmup_epochs'?")]
    [InlineData("finetune.scheduler.pct_start=0.2", "--set finetune.scheduler.pct_start=0.2: 'finetune.scheduler.pct_start' applies only to type onecycle")]
    [InlineData("finetune.scheduler.patience=2", "--set finetune.scheduler.patience=2: 'finetune.scheduler.patience' applies only to type plateau")]
    [InlineData("finetune.accumulate=two", "--set finetune.accumulate=two: 'finetune.accumulate' must be an integer, got 'two'")]
    public void A_mistyped_training_key_or_value_is_one_line_naming_the_closest_valid_name(string assignment, string start)
    {
        var e = Assert.Throws<RuleConfigException>(() => Parse(assignment));
        Assert.StartsWith(start, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("onecycle")]
    [InlineData("plateau")]
    [InlineData("cosine")]
    public void Config_yaml_records_every_training_key_and_reads_back_as_the_same_config(string schedule)
    {
        RunConfig config = Parse(
            "finetune.grad_clip=0.5", "finetune.accumulate=3", "finetune.label_smoothing=0.1", "finetune.ema=0.999",
            $"finetune.scheduler.type={schedule}", "finetune.scheduler.warmup_epochs=1", "finetune.scheduler.warmup_start_factor=0.25");
        string yaml = ResolvedConfig.Yaml(config);
        foreach (string line in new[]
        {
            "  grad_clip: 0.5\n", "  accumulate: 3\n", "  label_smoothing: 0.1\n", "  loss: 'cross_entropy'\n", "  ema: 0.999\n",
            "  precision: 'fp32'\n", "    warmup_epochs: 1\n", "    warmup_start_factor: 0.25\n",
        })
        {
            Assert.Contains(line, yaml);
        }

        Assert.Equal(schedule == "onecycle", yaml.Contains("    pct_start: 0.3\n", StringComparison.Ordinal));
        Assert.Equal(schedule == "plateau", yaml.Contains("    metric: 'val_loss'\n", StringComparison.Ordinal));
        RunConfig again = RunConfigReader.Parse(yaml, "config.yaml", "/");
        Assert.Equal(config.FineTune.Scheduler, again.FineTune.Scheduler);
        Assert.Equal(
            (config.FineTune.GradClip, config.FineTune.Accumulate, config.FineTune.LabelSmoothing, config.FineTune.Ema, config.FineTune.Loss, config.FineTune.Precision),
            (again.FineTune.GradClip, again.FineTune.Accumulate, again.FineTune.LabelSmoothing, again.FineTune.Ema, again.FineTune.Loss, again.FineTune.Precision));
        Assert.Empty(ResolvedConfig.Differences(yaml, again));
    }

    [Fact]
    public void Without_grad_clip_and_ema_config_yaml_leaves_them_out_and_they_stay_off()
    {
        string yaml = ResolvedConfig.Yaml(Parse());
        Assert.DoesNotContain("grad_clip", yaml);
        Assert.DoesNotContain("ema:", yaml);
        FineTuneConfig again = RunConfigReader.Parse(yaml, "config.yaml", "/").FineTune;
        Assert.Equal((null, null, 1, 0.0, LossKind.CrossEntropy, Precision.Fp32), (again.GradClip, again.Ema, again.Accumulate, again.LabelSmoothing, again.Loss, again.Precision));
    }
}
