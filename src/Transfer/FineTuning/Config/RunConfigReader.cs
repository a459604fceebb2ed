using Transfer.Export;
using Transfer.Freezing;
using Transfer.IO;
using Transfer.Rules.Errors;
using Transfer.Rules.Yaml;
using YamlDotNet.RepresentationModel;

namespace Transfer.FineTuning.Config;

/// <summary>
/// Reads a run config from YAML, applying <c>--set path=value</c> overrides first. Every unknown key and
/// bad value is a one-line <see cref="RuleConfigException"/> starting with <c>file:line:column</c> (or the
/// <c>--set</c> argument that introduced it), naming the closest valid key.
/// </summary>
public static class RunConfigReader
{
    private static readonly string[] RootKeys = ["seed", "source", "target", "rules", "data", "validation", "finetune", "export", "log"];
    private static readonly string[] LogKeys = ["tensorboard"];
    /// <summary>The share of the training set held out for validation when <c>validation.split</c> is not given.</summary>
    private const double DefaultValSplit = 0.1;

    private static readonly string[] SourceKeys = ["path", "key"];
    private static readonly string[] DataKeys = ["kind", "path", "train_limit", "val_limit", "transforms", "on_bad_image", "workers"];

    private static readonly string[] FineTuneKeys =
    [
        "device", "epochs", "batch_size", "optimizer", "scheduler", "freeze", "frozen_bn", "param_groups",
        "unfreeze", "early_stopping", "checkpoint", "threads",
        "grad_clip", "accumulate", "label_smoothing", "loss", "ema", "precision",
    ];

    private static readonly string[] OptimizerKeys = ["type", "lr", "weight_decay", "momentum", "nesterov"];
    private static readonly string[] SchedulerKeys =
    [
        "type", "step_size", "gamma", "warmup_epochs", "warmup_start_factor",
        "pct_start", "div_factor", "final_div_factor", "metric", "factor", "patience", "threshold", "min_lr",
    ];

    private static readonly string[] OneCycleKeys = ["pct_start", "div_factor", "final_div_factor"];
    private static readonly string[] PlateauKeys = ["metric", "factor", "patience", "threshold", "min_lr"];
    private static readonly string[] ParamGroupKeys = ["match", "lr"];
    private static readonly string[] UnfreezeKeys = ["epoch", "match", "lr"];
    private static readonly string[] EarlyStoppingKeys = ["metric", "patience"];
    private static readonly string[] CheckpointKeys = ["every", "keep_best"];
    private static readonly string[] ExportKeys = ["file", "opset", "input", "output", "mean", "std"];

    private static readonly Dictionary<string, OnnxInputType> ExportInputs = new()
    {
        ["float"] = OnnxInputType.Float,
        ["uint8"] = OnnxInputType.UInt8,
    };

    private static readonly Dictionary<string, OnnxOutputKind> ExportOutputs = new()
    {
        ["logits"] = OnnxOutputKind.Logits,
        ["probs"] = OnnxOutputKind.Probabilities,
        ["label"] = OnnxOutputKind.Label,
    };

    private static readonly Dictionary<string, DataKind> DataKinds = new()
    {
        ["idx"] = DataKind.Idx,
        ["imagefolder"] = DataKind.ImageFolder,
    };

    private static readonly Dictionary<string, OptimizerType> Optimizers = new()
    {
        ["sgd"] = OptimizerType.Sgd,
        ["adam"] = OptimizerType.Adam,
        ["adamw"] = OptimizerType.AdamW,
    };

    private static readonly Dictionary<string, SchedulerType> Schedulers = new()
    {
        ["none"] = SchedulerType.None,
        ["step"] = SchedulerType.Step,
        ["cosine"] = SchedulerType.Cosine,
        ["onecycle"] = SchedulerType.OneCycle,
        ["plateau"] = SchedulerType.Plateau,
    };

    private static readonly Dictionary<string, LossKind> Losses = new()
    {
        ["cross_entropy"] = LossKind.CrossEntropy,
        ["bce"] = LossKind.Bce,
    };

    private static readonly Dictionary<string, Precision> Precisions = new()
    {
        ["fp32"] = Precision.Fp32,
        ["bf16"] = Precision.Bf16,
    };

    private static readonly Dictionary<string, FrozenBatchNorm> BatchNormPolicies = new()
    {
        ["eval"] = FrozenBatchNorm.Eval,
        ["train"] = FrozenBatchNorm.Train,
    };

    private static readonly Dictionary<string, Metric> Metrics = new()
    {
        ["val_acc"] = Metric.ValAcc,
        ["val_loss"] = Metric.ValLoss,
    };

    /// <summary>Reads the config file at <paramref name="path"/>; relative paths in it resolve against its folder.</summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="overrides"><c>dotted.path=value</c> assignments applied before validation.</param>
    public static RunConfig Load(string path, IReadOnlyList<string>? overrides = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new RuleConfigException(Directory.Exists(path) ? $"{path}: is a folder, not a config file" : $"{path}: config file not found");
        }

        if (RegularFile.Problem(path) is string problem)
        {
            throw new RuleConfigException($"{path}: {problem}");
        }

        string full = Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), path, Path.GetDirectoryName(full) ?? ".", overrides);
    }

    /// <summary>Reads a config from text.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <param name="fileName">The name messages give the text.</param>
    /// <param name="baseFolder">The folder relative paths resolve against.</param>
    /// <param name="overrides"><c>dotted.path=value</c> assignments applied before validation.</param>
    public static RunConfig Parse(string yaml, string fileName, string baseFolder, IReadOnlyList<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(fileName);
        YamlSource document = YamlSource.Parse(yaml, fileName);
        if (document.Documents.Count != 1 || document.Documents[0] is not YamlMappingNode mapping)
        {
            string where = document.Documents.Count == 0 ? $"{fileName}:1:1" : document.Where(document.Documents[^1]);
            throw new RuleConfigException(
                document.Documents.Count > 1
                    ? $"{where}: a config file holds one YAML document, but this is a second one"
                    : $"{where}: the config must be a mapping of keys (seed, source, target, data, finetune…)");
        }

        foreach (string assignment in overrides ?? [])
        {
            ConfigOverride.Apply(document, mapping, assignment);
        }

        ConfigSection root = ConfigSection.Open(document, mapping, string.Empty, RootKeys);
        YamlNode? rules = root.Get("rules");
        if (rules is not null)
        {
            RuleSetYaml.FromNode(document, rules); // a rule mistake fails here, with its file position or --set argument
        }

        string folder = Path.GetFullPath(baseFolder);
        return new RunConfig
        {
            FileName = fileName,
            BaseFolder = folder,
            Seed = root.Long("seed", 0),
            Source = ReadSource(root.RequiredSection("source", SourceKeys), folder),
            Target = ReadTarget(document, root.RequiredSection("target", null), folder),
            Rules = rules,
            Data = ReadData(document, root, folder),
            FineTune = ReadFineTune(document, root.Section("finetune", FineTuneKeys)),
            Export = root.Get("export") is YamlScalarNode { Value: null or "" or "null" or "~" } ? null : ReadExport(root.Section("export", ExportKeys)),
            Log = root.Section("log", LogKeys) is { } log ? new LogConfig { TensorBoard = log.Bool("tensorboard", false) } : new LogConfig(),
        };
    }

    private static ExportConfig? ReadExport(ConfigSection? s)
    {
        if (s is null)
        {
            return null;
        }

        ExportConfig defaults = new();
        string file = s.String("file", defaults.File)!;
        if (file.Length == 0 || file != Path.GetFileName(file) || !file.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            throw s.Fail(s.Get("file")!, $"'{s.Sub("file")}' must be a file name ending in .onnx (written in the run folder), got '{file}'");
        }

        return new ExportConfig
        {
            File = file,
            Opset = s.Int("opset", defaults.Opset, 1),
            Input = s.Choice("input", defaults.Input, ExportInputs),
            Output = s.Choice("output", defaults.Output, ExportOutputs),
            Mean = Floats(s, "mean"),
            Std = Floats(s, "std"),
        };
    }

    /// <summary>One number or a list of numbers (float32), or null when absent.</summary>
    private static float[]? Floats(ConfigSection s, string key)
    {
        if (s.Get(key) is not { } node)
        {
            return null;
        }

        IEnumerable<YamlNode> items = node is YamlSequenceNode list ? list.Children : [node];
        return items.Select(item => item is YamlScalarNode { Value: { } text }
                && float.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float v)
                && float.IsFinite(v)
                    ? v
                    : throw s.Fail(item, $"'{s.Sub(key)}' must be a number or a list of numbers"))
            .ToArray() is { Length: > 0 } values
                ? values
                : throw s.Fail(node, $"'{s.Sub(key)}' must not be an empty list");
    }

    private static SourceConfig ReadSource(ConfigSection s, string folder) =>
        new(Path.GetFullPath(s.RequiredString("path"), folder), s.String("key", "auto")!);

    private static TargetConfig ReadTarget(YamlSource document, ConfigSection s, string folder)
    {
        if (s.Get("model") is YamlMappingNode)
        {
            return AssemblyModelConfig.Read(document, s, folder);
        }

        string model = s.RequiredString("model");
        Dictionary<string, string> options = new(StringComparer.Ordinal);
        foreach (string key in s.Keys.Where(k => k != "model"))
        {
            YamlNode node = s.Get(key)!;
            options[key] = node is YamlScalarNode { Value: { } v }
                ? v
                : throw document.Fail(node, $"'{s.Sub(key)}' must be a single value");
        }

        return new TargetConfig(model, options);
    }

    private static DataConfig ReadData(YamlSource document, ConfigSection root, string folder)
    {
        ImageFolderConfigReader.RefuseOldSplitKey(document, root.Get("data"));
        ConfigSection s = root.RequiredSection("data", DataKeys);
        DataKind kind = s.Choice("kind", DataKind.Idx, DataKinds);
        string path = s.String("path", "auto")!;
        double? split = ImageFolderConfigReader.Split(root.Section("validation", ImageFolderConfigReader.ValidationKeys));
        if (kind == DataKind.Idx && (s.Get("transforms") ?? s.Get("on_bad_image") ?? s.Get("workers")) is { } imageOnly)
        {
            throw s.Fail(imageOnly, $"'{s.Path}.transforms', '{s.Path}.on_bad_image' and '{s.Path}.workers' apply to imagefolder data only");
        }

        return new DataConfig(
            kind,
            path == "auto" ? null : Path.GetFullPath(path, folder),
            s.Get("train_limit") is null ? null : s.Int("train_limit", 0, 1),
            s.Get("val_limit") is null ? null : s.Int("val_limit", 0, 1))
        {
            ValSplit = split ?? DefaultValSplit,
            ValSplitGiven = split is not null,
            Transforms = ImageFolderConfigReader.Transforms(document, s),
            OnBadImage = ImageFolderConfigReader.OnBadImage(s),
            Workers = ImageFolderConfigReader.Workers(s),
        };
    }

    private static FineTuneConfig ReadFineTune(YamlSource document, ConfigSection? s)
    {
        if (s is null)
        {
            return new FineTuneConfig();
        }

        FineTuneConfig defaults = new();
        OptimizerConfig optimizer = ReadOptimizer(document, s.Section("optimizer", OptimizerKeys));
        int epochs = s.Int("epochs", defaults.Epochs, 1);
        return new FineTuneConfig
        {
            Device = s.String("device", defaults.Device)!,
            Threads = s.Int("threads", defaults.Threads, 1),
            Epochs = epochs,
            BatchSize = s.Int("batch_size", defaults.BatchSize, 1),
            Optimizer = optimizer,
            Scheduler = ReadScheduler(s.Section("scheduler", SchedulerKeys)),
            Freeze = s.Sequence("freeze").Select(item => s.ScalarItem(item, "freeze")).ToList(),
            FrozenBn = s.Choice("frozen_bn", defaults.FrozenBn, BatchNormPolicies),
            ParamGroups = s.Sequence("param_groups")
                .Select(item => ConfigSection.Open(document, item, s.Sub("param_groups[]"), ParamGroupKeys))
                .Select(g => new ParamGroupConfig(g.RequiredString("match"), g.Double("lr", optimizer.Lr, positive: true)))
                .ToList(),
            Unfreeze = s.Sequence("unfreeze")
                .Select(item => ConfigSection.Open(document, item, s.Sub("unfreeze[]"), UnfreezeKeys))
                .Select(u => ReadUnfreeze(document, u, optimizer.Lr))
                .ToList(),
            EarlyStopping = s.Section("early_stopping", EarlyStoppingKeys) is { } e
                ? new EarlyStoppingConfig(e.Choice("metric", Metric.ValAcc, Metrics), e.Int("patience", 3, 1))
                : null,
            Checkpoint = s.Section("checkpoint", CheckpointKeys) is { } c
                ? new CheckpointConfig(c.Int("every", 1, 1), c.Choice("keep_best", Metric.ValAcc, Metrics))
                : new CheckpointConfig(),

            // Ranges are checked by RunValidator.Training (one place for YAML and library callers alike).
            GradClip = s.Get("grad_clip") is null ? null : s.Double("grad_clip", 0, double.NegativeInfinity),
            Accumulate = s.Int("accumulate", defaults.Accumulate, int.MinValue),
            LabelSmoothing = s.Double("label_smoothing", defaults.LabelSmoothing, double.NegativeInfinity),
            Loss = s.Choice("loss", defaults.Loss, Losses),
            Ema = s.Get("ema") is null ? null : s.Double("ema", 0, double.NegativeInfinity),
            Precision = s.Choice("precision", defaults.Precision, Precisions),
        };
    }

    private static UnfreezeConfig ReadUnfreeze(YamlSource document, ConfigSection u, double baseLr)
    {
        if (u.Get("epoch") is null)
        {
            throw document.Fail(u.Node, $"'{u.Path}' needs 'epoch'");
        }

        return new UnfreezeConfig(u.Int("epoch", 1, 1), u.RequiredString("match"), u.Double("lr", baseLr, positive: true));
    }

    private static OptimizerConfig ReadOptimizer(YamlSource document, ConfigSection? s)
    {
        OptimizerConfig defaults = new();
        if (s is null)
        {
            return defaults;
        }

        OptimizerConfig config = new(
            s.Choice("type", defaults.Type, Optimizers),
            s.Double("lr", defaults.Lr, positive: true),
            s.Double("weight_decay", defaults.WeightDecay),
            s.Double("momentum", defaults.Momentum),
            s.Bool("nesterov", defaults.Nesterov));
        if (config.Type != OptimizerType.Sgd && (s.Get("momentum") ?? s.Get("nesterov")) is { } sgdOnly)
        {
            throw document.Fail(sgdOnly, $"'{s.Path}.momentum' and '{s.Path}.nesterov' apply only to type sgd");
        }

        if (config.Nesterov && config.Momentum <= 0)
        {
            throw document.Fail(s.Get("nesterov")!, $"'{s.Path}.nesterov' needs momentum > 0");
        }

        return config;
    }

    private static SchedulerConfig ReadScheduler(ConfigSection? s)
    {
        SchedulerConfig defaults = new();
        if (s is null)
        {
            return defaults;
        }

        SchedulerType type = s.Choice("type", defaults.Type, Schedulers);
        foreach ((string[] keys, SchedulerType owner) in new[] { (OneCycleKeys, SchedulerType.OneCycle), (PlateauKeys, SchedulerType.Plateau) })
        {
            if (type != owner && keys.FirstOrDefault(k => s.Get(k) is not null) is { } stray)
            {
                string name = Schedulers.First(n => n.Value == owner).Key;
                throw s.Fail(s.Get(stray)!, $"'{s.Sub(stray)}' applies only to type {name}");
            }
        }

        // Ranges of the keys below are checked by RunValidator.Training.
        return new SchedulerConfig(type, s.Int("step_size", defaults.StepSize, 1), s.Double("gamma", defaults.Gamma, positive: true))
        {
            WarmupEpochs = s.Int("warmup_epochs", defaults.WarmupEpochs, int.MinValue),
            WarmupStartFactor = s.Double("warmup_start_factor", defaults.WarmupStartFactor, double.NegativeInfinity),
            PctStart = s.Double("pct_start", defaults.PctStart, double.NegativeInfinity),
            DivFactor = s.Double("div_factor", defaults.DivFactor, double.NegativeInfinity),
            FinalDivFactor = s.Double("final_div_factor", defaults.FinalDivFactor, double.NegativeInfinity),
            Metric = s.Choice("metric", defaults.Metric, Metrics),
            Factor = s.Double("factor", defaults.Factor, double.NegativeInfinity),
            Patience = s.Int("patience", defaults.Patience, int.MinValue),
            Threshold = s.Double("threshold", defaults.Threshold, double.NegativeInfinity),
            MinLr = s.Double("min_lr", defaults.MinLr, double.NegativeInfinity),
        };
    }
}
