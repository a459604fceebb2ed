using Transfer.FineTuning.Config;
using Transfer.Freezing;
using Transfer.Rules.Errors;

namespace Transfer.Tests.FineTuning;

public sealed class RunConfigReaderTests
{
    private const string Valid = """
        seed: 7
        source: { path: weights/lenet5.pt, key: auto }
        target: { model: LeNet6, classes: 10 }
        rules:
          - exclude: 'fc.5.*'
        data: { kind: idx, path: auto }
        finetune:
          device: cpu
          epochs: 5
          batch_size: 64
          optimizer: { type: adam, lr: 1.0e-3, weight_decay: 0 }
          scheduler: { type: cosine }
          freeze: ['conv.*']
          param_groups: [ { match: 'fc.1.*', lr: 1.0e-4 } ]
          unfreeze: [ { epoch: 3, match: 'conv.3.*', lr: 1.0e-4 } ]
          early_stopping: { metric: val_acc, patience: 3 }
          checkpoint: { every: 1, keep_best: val_loss }
        """;

    private static RunConfig Parse(string yaml, params string[] overrides) =>
        RunConfigReader.Parse(yaml, "run.yaml", "/base", overrides);

    private static string Error(string yaml, params string[] overrides) =>
        Assert.Throws<RuleConfigException>(() => Parse(yaml, overrides)).Message;

    [Fact]
    public void Every_key_of_the_issue_example_is_read()
    {
        RunConfig c = Parse(Valid);
        Assert.Equal(7, c.Seed);
        Assert.Equal("/base/weights/lenet5.pt", c.Source.Path);
        Assert.Equal("auto", c.Source.Key);
        Assert.Equal("LeNet6", c.Target.Model);
        Assert.Equal("10", c.Target.Options["classes"]);
        Assert.NotNull(c.Rules);
        Assert.Equal(new DataConfig(DataKind.Idx, null, null, null) { ValSplit = 0.1 }, c.Data);
        FineTuneConfig f = c.FineTune;
        Assert.Equal(("cpu", 5, 64), (f.Device, f.Epochs, f.BatchSize));
        Assert.Equal(new OptimizerConfig(OptimizerType.Adam, 1e-3, 0, 0, false), f.Optimizer);
        Assert.Equal(SchedulerType.Cosine, f.Scheduler.Type);
        Assert.Equal(["conv.*"], f.Freeze);
        Assert.Equal(FrozenBatchNorm.Eval, f.FrozenBn);
        Assert.Equal([new ParamGroupConfig("fc.1.*", 1e-4)], f.ParamGroups);
        Assert.Equal([new UnfreezeConfig(3, "conv.3.*", 1e-4)], f.Unfreeze);
        Assert.Equal(new EarlyStoppingConfig(Metric.ValAcc, 3), f.EarlyStopping);
        Assert.Equal(new CheckpointConfig(1, Metric.ValLoss), f.Checkpoint);
    }

    [Fact]
    public void Unknown_key_names_its_position_and_the_closest_valid_key()
    {
        string yaml = Valid.Replace("  batch_size: 64", "  batchsize: 64");
        Assert.Equal(
            "run.yaml:10:3: unknown key 'batchsize' in 'finetune'; did you mean 'batch_size'? (valid keys: device, epochs, batch_size, optimizer, scheduler, freeze, frozen_bn, param_groups, unfreeze, early_stopping, checkpoint, threads, grad_clip, accumulate, label_smoothing, loss, ema, precision)",
            Error(yaml));
    }

    [Fact]
    public void Unknown_top_level_key_is_reported_against_the_config()
    {
        Assert.Equal(
            "run.yaml:1:1: unknown key 'sed' in the config; did you mean 'seed'? (valid keys: seed, source, target, rules, data, validation, finetune, export, log)",
            Error(Valid.Replace("seed: 7", "sed: 7")));
    }

    [Fact]
    public void Bad_integer_names_the_key_and_the_value()
    {
        Assert.Equal(
            "run.yaml:9:11: 'finetune.epochs' must be an integer >= 1, got 'five'",
            Error(Valid.Replace("epochs: 5", "epochs: five")));
    }

    [Fact]
    public void Bad_choice_lists_the_valid_names_and_the_closest()
    {
        Assert.Equal(
            "run.yaml:11:22: 'finetune.optimizer.type' must be one of sgd, adam, adamw, got 'adma'; did you mean 'adam'?",
            Error(Valid.Replace("type: adam", "type: adma")));
    }

    [Fact]
    public void Momentum_on_adam_is_refused()
    {
        Assert.Equal(
            "run.yaml:11:67: 'finetune.optimizer.momentum' and 'finetune.optimizer.nesterov' apply only to type sgd",
            Error(Valid.Replace("weight_decay: 0 }", "weight_decay: 0, momentum: 0.9 }")));
    }

    [Fact]
    public void Missing_source_path_is_reported_at_the_section()
    {
        Assert.Equal("run.yaml:2:9: 'source' needs 'path'", Error(Valid.Replace("path: weights/lenet5.pt, ", string.Empty)));
    }

    [Fact]
    public void Invalid_yaml_is_one_line_with_a_position()
    {
        Assert.Equal(
            "run.yaml:2:7: invalid YAML: While scanning a plain scalar value, found invalid mapping.",
            Error("seed: 1\nsrc: a: b\n"));
    }

    [Fact]
    public void Unclosed_flow_list_is_one_line()
    {
        Assert.Equal("run.yaml:1:7: invalid YAML: this '[' is never closed", Error("seed: [1, 2\nsource: {}\n"));
    }

    [Fact]
    public void Set_overrides_a_value_by_its_dotted_path()
    {
        RunConfig c = Parse(Valid, "finetune.epochs=3", "finetune.optimizer.lr=0.01", "finetune.freeze=[fc.*, conv.0.*]");
        Assert.Equal(3, c.FineTune.Epochs);
        Assert.Equal(0.01, c.FineTune.Optimizer.Lr);
        Assert.Equal(["fc.*", "conv.0.*"], c.FineTune.Freeze);
    }

    [Fact]
    public void Set_creates_missing_sections_and_indexes_lists()
    {
        RunConfig c = Parse(Valid, "finetune.scheduler.type=step", "finetune.param_groups.0.lr=0.5", "data.train_limit=100");
        Assert.Equal(SchedulerType.Step, c.FineTune.Scheduler.Type);
        Assert.Equal(0.5, c.FineTune.ParamGroups[0].Lr);
        Assert.Equal(100, c.Data.TrainLimit);
    }

    [Fact]
    public void Bad_set_value_names_the_set_argument()
    {
        Assert.Equal(
            "--set finetune.epochs=abc: 'finetune.epochs' must be an integer >= 1, got 'abc'",
            Error(Valid, "finetune.epochs=abc"));
    }

    [Fact]
    public void Set_of_an_unknown_key_names_the_set_argument_and_the_closest_key()
    {
        Assert.Equal(
            "--set finetune.epoch=3: unknown key 'epoch' in 'finetune'; did you mean 'epochs'? (valid keys: device, epochs, batch_size, optimizer, scheduler, freeze, frozen_bn, param_groups, unfreeze, early_stopping, checkpoint, threads, grad_clip, accumulate, label_smoothing, loss, ema, precision)",
            Error(Valid, "finetune.epoch=3"));
    }

    [Fact]
    public void Set_without_an_equals_sign_is_refused()
    {
        Assert.Equal("--set finetune.epochs: expected path=value, like finetune.epochs=3", Error(Valid, "finetune.epochs"));
    }

    [Fact]
    public void Set_through_a_value_is_refused()
    {
        Assert.Equal(
            "--set seed.x=1: 'seed' is a value, not a section, so 'seed.x' cannot be set",
            Error(Valid, "seed.x=1"));
    }

    [Fact]
    public void Defaults_apply_when_finetune_is_absent()
    {
        RunConfig c = Parse("source: { path: a.pt }\ntarget: { model: MLP }\ndata: { kind: imagefolder, path: imgs }\n");
        Assert.Equal(new FineTuneConfig().Epochs, c.FineTune.Epochs);
        Assert.Equal(new DataConfig(DataKind.ImageFolder, "/base/imgs", null, null) { ValSplit = 0.1 }, c.Data);
        Assert.Null(c.Rules);
    }

    [Fact]
    public void Load_resolves_relative_paths_against_the_config_folder()
    {
        string folder = Directory.CreateTempSubdirectory("runconfig").FullName;
        try
        {
            string file = Path.Combine(folder, "run.yaml");
            File.WriteAllText(file, Valid);
            RunConfig c = RunConfigReader.Load(file);
            Assert.Equal(Path.Combine(folder, "weights", "lenet5.pt"), c.Source.Path);
            Assert.Equal(folder, c.BaseFolder);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    internal const string FlowLaughs =
        "[&l0 [x, x, x, x, x, x, x, x, x, x], &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0], "
        + "&l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1], &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2], "
        + "&l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3], &l5 [*l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4], "
        + "&l6 [*l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5], &l7 [*l6, *l6, *l6, *l6, *l6, *l6, *l6, *l6, *l6, *l6]]";

    [Fact]
    public void Billion_laughs_in_the_config_file_is_refused_with_its_position() =>
        Assert.Equal(
            "run.yaml:1:254: aliases expand to more than 100000 nodes (a 'billion laughs' document?); write the values out instead",
            Error("target: " + FlowLaughs + "\n" + Valid));

    [Fact]
    public void Billion_laughs_in_a_set_value_is_refused_naming_the_argument() =>
        Assert.Equal(
            $"--set finetune.freeze={FlowLaughs}: the value at column 246: aliases expand to more than 100000 nodes (a 'billion laughs' document?); write the values out instead",
            Error(Valid, "finetune.freeze=" + FlowLaughs));

    [Fact]
    public void A_tab_in_the_indentation_names_its_line_and_column() =>
        Assert.Equal(
            "run.yaml:3:1: invalid YAML: While scanning a mapping, found invalid tab as indentation.",
            Error("seed: 1\nfinetune:\n\tepochs: 2\n"));

    [Fact]
    public void A_rule_mistake_in_a_set_value_fails_while_reading_naming_the_argument() =>
        Assert.Equal(
            "--set rules=[{strip_prefx: a}]: unknown rule 'strip_prefx'; did you mean 'strip_prefix'?",
            Error(Valid, "rules=[{strip_prefx: a}]"));
}
