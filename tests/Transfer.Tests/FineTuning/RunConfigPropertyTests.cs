using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Transfer.FineTuning.Config;
using Transfer.Rules.Errors;

namespace Transfer.Tests.FineTuning;

public sealed class RunConfigPropertyTests
{
    private const string Minimal = "source: { path: a.pt }\ntarget: { model: LeNet6 }\ndata: { kind: idx }\nfinetune:\n  epochs: 2\n";

    private static readonly string[] FineTuneKeys =
    [
        "device", "epochs", "batch_size", "optimizer", "scheduler", "freeze", "frozen_bn", "param_groups",
        "unfreeze", "early_stopping", "checkpoint", "threads",
        "grad_clip", "accumulate", "label_smoothing", "loss", "ema", "precision",
    ];

    [Property]
    public Property Any_positive_epoch_count_set_on_the_command_line_is_read_back(PositiveInt epochs) =>
        (RunConfigReader.Parse(Minimal, "run.yaml", "/", [$"finetune.epochs={epochs.Get}"]).FineTune.Epochs == epochs.Get)
        .ToProperty();

    [Property]
    public Property Any_unknown_finetune_key_is_a_one_line_error_at_its_position()
    {
        Arbitrary<string> keys = Gen.Elements("abcdefghijklmnopqrstuvwxyz_".ToCharArray())
            .ArrayOf()
            .Select(c => new string(c))
            .Where(k => k.Length > 0 && !FineTuneKeys.Contains(k))
            .ToArbitrary();
        return Prop.ForAll(keys, key =>
        {
            string yaml = Minimal + $"  {key}: 1\n";
            RuleConfigException e = Assert.Throws<RuleConfigException>(() => RunConfigReader.Parse(yaml, "run.yaml", "/"));
            return e.Message.StartsWith($"run.yaml:6:3: unknown key '{key}' in 'finetune'", StringComparison.Ordinal)
                && !e.Message.Contains('\n');
        });
    }
}
