using System.Globalization;
using Transfer.FineTuning.Config;
using Transfer.Freezing;
using YamlDotNet.RepresentationModel;

namespace Transfer.FineTuning;

/// <summary>
/// A run config with every key spelled out (defaults filled in, <c>--set</c> overrides applied, paths
/// absolute), as the <c>config.yaml</c> a run writes into its output folder: itself a valid run config, and
/// what <c>--resume</c> compares against so a changed run is not silently continued.
/// </summary>
internal static class ResolvedConfig
{
    /// <summary>The config as YAML text.</summary>
    public static string Yaml(RunConfig config)
    {
        YamlStream stream = new(new YamlDocument(Tree(config)));
        using StringWriter text = new(CultureInfo.InvariantCulture);
        stream.Save(text, assignAnchors: false);
        string yaml = text.ToString().ReplaceLineEndings("\n");
        return "# The resolved config of this run (defaults filled in, --set applied); --resume compares against it.\n"
            + (yaml.EndsWith("...\n", StringComparison.Ordinal) ? yaml[..^4] : yaml);
    }

    /// <summary>
    /// The dotted keys whose values differ between the config a run was started with (<paramref name="saved"/>,
    /// a <c>config.yaml</c> text) and <paramref name="config"/>, each as <c>key (old → new)</c>, in key order.
    /// </summary>
    public static IReadOnlyList<string> Differences(string saved, RunConfig config)
    {
        YamlStream old = new();
        old.Load(new StringReader(saved));
        SortedDictionary<string, string> before = Flatten(old.Documents.Count == 0 ? new YamlMappingNode() : old.Documents[0].RootNode);
        SortedDictionary<string, string> now = Flatten(Tree(config));
        return before.Keys.Union(now.Keys).Order(StringComparer.Ordinal)
            .Where(k => !before.TryGetValue(k, out string? a) || !now.TryGetValue(k, out string? b) || a != b)
            .Select(k => $"{k} ({Show(before, k)} → {Show(now, k)})")
            .ToList();
    }

    private static string Show(SortedDictionary<string, string> values, string key) =>
        values.TryGetValue(key, out string? v) ? v : "unset";

    private static SortedDictionary<string, string> Flatten(YamlNode root)
    {
        SortedDictionary<string, string> values = new(StringComparer.Ordinal);
        Walk(root, string.Empty, values);
        return values;
    }

    private static void Walk(YamlNode node, string path, SortedDictionary<string, string> values)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach ((YamlNode key, YamlNode value) in map.Children)
                {
                    string name = ((YamlScalarNode)key).Value ?? string.Empty;
                    Walk(value, path.Length == 0 ? name : $"{path}.{name}", values);
                }

                break;
            case YamlSequenceNode list:
                values[path] = $"[{list.Children.Count} items]";
                for (int i = 0; i < list.Children.Count; i++)
                {
                    Walk(list.Children[i], $"{path}.{i}", values);
                }

                break;
            case YamlScalarNode scalar:
                values[path] = scalar.Value ?? "null";
                break;
        }
    }

    private static YamlMappingNode Tree(RunConfig c)
    {
        YamlMappingNode root = new() { { "seed", Number(c.Seed) } };
        root.Add("source", new YamlMappingNode { { "path", Text(c.Source.Path) }, { "key", Text(c.Source.Key) } });
        YamlMappingNode target = new() { { "model", c.Target.Assembly is { } assembly ? AssemblyModel(assembly) : Text(c.Target.Model) } };
        foreach ((string key, string value) in c.Target.Options.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            target.Add(key, Text(value));
        }

        root.Add("target", target);
        if (c.Rules is not null)
        {
            root.Add("rules", c.Rules);
        }

        YamlMappingNode data = new()
        {
            { "kind", Text(c.Data.Kind == DataKind.ImageFolder ? "imagefolder" : "idx") },
            { "path", Text(c.Data.Path ?? "auto") },
        };
        if (c.Data.TrainLimit is { } train)
        {
            data.Add("train_limit", Number(train));
        }

        if (c.Data.ValLimit is { } val)
        {
            data.Add("val_limit", Number(val));
        }

        if (c.Data.Kind == DataKind.ImageFolder)
        {
            ResolvedImageFolder.Add(data, c.Data);
        }

        root.Add("data", data);
        root.Add("validation", new YamlMappingNode { { "split", Number(c.Data.ValSplit) } });
        root.Add("finetune", FineTune(c.FineTune));
        if (c.Export is { } export)
        {
            root.Add("export", Export(export));
        }

        root.Add("log", new YamlMappingNode { { "tensorboard", Plain(c.Log.TensorBoard ? "true" : "false") } });

        return root;
    }

    private static YamlMappingNode AssemblyModel(Transfer.Models.AssemblyModel model)
    {
        YamlMappingNode args = new();
        foreach ((string name, Transfer.Models.ModelArgument value) in model.Arguments.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            args.Add(name, value.Items is { } items ? new YamlSequenceNode(items.Select(i => (YamlNode)Text(i))) : Text(value.Text!));
        }

        return new YamlMappingNode { { "assembly", Text(model.AssemblyPath) }, { "type", Text(model.TypeName) }, { "args", args } };
    }

    private static YamlMappingNode Export(ExportConfig e)
    {
        YamlMappingNode node = new()
        {
            { "file", Text(e.File) },
            { "opset", Number(e.Opset) },
            { "input", Text(e.Input == Transfer.Export.OnnxInputType.UInt8 ? "uint8" : "float") },
            {
                "output", Text(e.Output switch
                {
                    Transfer.Export.OnnxOutputKind.Label => "label",
                    Transfer.Export.OnnxOutputKind.Probabilities => "probs",
                    _ => "logits",
                })
            },
        };
        if (e.Mean is { } mean)
        {
            node.Add("mean", new YamlSequenceNode(mean.Select(v => (YamlNode)Plain(v.ToString("R", CultureInfo.InvariantCulture)))));
        }

        if (e.Std is { } std)
        {
            node.Add("std", new YamlSequenceNode(std.Select(v => (YamlNode)Plain(v.ToString("R", CultureInfo.InvariantCulture)))));
        }

        return node;
    }

    private static YamlMappingNode FineTune(FineTuneConfig f)
    {
        YamlMappingNode optimizer = new()
        {
            { "type", Text(f.Optimizer.Type.ToString().ToLowerInvariant()) },
            { "lr", Number(f.Optimizer.Lr) },
            { "weight_decay", Number(f.Optimizer.WeightDecay) },
        };
        if (f.Optimizer.Type == OptimizerType.Sgd)
        {
            optimizer.Add("momentum", Number(f.Optimizer.Momentum));
            optimizer.Add("nesterov", Plain(f.Optimizer.Nesterov ? "true" : "false"));
        }

        YamlMappingNode node = new()
        {
            { "device", Text(f.Device) },
            { "threads", Number(f.Threads) },
            { "epochs", Number(f.Epochs) },
            { "batch_size", Number(f.BatchSize) },
            { "optimizer", optimizer },
            { "scheduler", Scheduler(f.Scheduler) },
            { "freeze", new YamlSequenceNode(f.Freeze.Select(p => (YamlNode)Text(p))) },
            { "frozen_bn", Text(f.FrozenBn == FrozenBatchNorm.Train ? "train" : "eval") },
            {
                "param_groups", new YamlSequenceNode(f.ParamGroups.Select(g => (YamlNode)new YamlMappingNode
                {
                    { "match", Text(g.Match) }, { "lr", Number(g.Lr) },
                }))
            },
            {
                "unfreeze", new YamlSequenceNode(f.Unfreeze.Select(u => (YamlNode)new YamlMappingNode
                {
                    { "epoch", Number(u.Epoch) }, { "match", Text(u.Match) }, { "lr", Number(u.Lr) },
                }))
            },
        };
        if (f.EarlyStopping is { } es)
        {
            node.Add("early_stopping", new YamlMappingNode { { "metric", Text(MetricName(es.Metric)) }, { "patience", Number(es.Patience) } });
        }

        node.Add("checkpoint", new YamlMappingNode
        {
            { "every", Number(f.Checkpoint.Every) }, { "keep_best", Text(MetricName(f.Checkpoint.KeepBest)) },
        });
        AddTrainingFeatures(node, f);
        return node;
    }

    private static YamlMappingNode Scheduler(SchedulerConfig s)
    {
        YamlMappingNode node = new()
        {
            { "type", Text(s.Type.ToString().ToLowerInvariant()) },
            { "step_size", Number(s.StepSize) },
            { "gamma", Number(s.Gamma) },
            { "warmup_epochs", Number(s.WarmupEpochs) },
            { "warmup_start_factor", Number(s.WarmupStartFactor) },
        };
        if (s.Type == SchedulerType.OneCycle)
        {
            node.Add("pct_start", Number(s.PctStart));
            node.Add("div_factor", Number(s.DivFactor));
            node.Add("final_div_factor", Number(s.FinalDivFactor));
        }

        if (s.Type == SchedulerType.Plateau)
        {
            node.Add("metric", Text(MetricName(s.Metric)));
            node.Add("factor", Number(s.Factor));
            node.Add("patience", Number(s.Patience));
            node.Add("threshold", Number(s.Threshold));
            node.Add("min_lr", Number(s.MinLr));
        }

        return node;
    }

    /// <summary>grad_clip and ema only when set (absent means off); the rest always.</summary>
    private static void AddTrainingFeatures(YamlMappingNode node, FineTuneConfig f)
    {
        if (f.GradClip is { } clip)
        {
            node.Add("grad_clip", Number(clip));
        }

        node.Add("accumulate", Number(f.Accumulate));
        node.Add("label_smoothing", Number(f.LabelSmoothing));
        node.Add("loss", Text(f.Loss == LossKind.Bce ? "bce" : "cross_entropy"));
        if (f.Ema is { } ema)
        {
            node.Add("ema", Number(ema));
        }

        node.Add("precision", Text(f.Precision == Precision.Bf16 ? "bf16" : "fp32"));
    }

    private static string MetricName(Metric metric) => metric == Metric.ValLoss ? "val_loss" : "val_acc";

    private static YamlScalarNode Text(string value) => new(value) { Style = YamlDotNet.Core.ScalarStyle.SingleQuoted };

    private static YamlScalarNode Plain(string value) => new(value) { Style = YamlDotNet.Core.ScalarStyle.Plain };

    private static YamlScalarNode Number(long value) => Plain(value.ToString(CultureInfo.InvariantCulture));

    private static YamlScalarNode Number(double value) => Plain(value.ToString("R", CultureInfo.InvariantCulture));
}
