using TorchSharp;
using Transfer.Data;
using Transfer.Data.Idx;
using Transfer.FineTuning.Checkpoints;
using Transfer.FineTuning.Config;
using Transfer.Formats;
using Transfer.Freezing;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Yaml;

namespace Transfer.FineTuning;

/// <summary>
/// Checks a run before it acts, as Polly validates options before building a pipeline: every check returns
/// problems as data, and <see cref="ThrowIfAny"/> turns them into one exception listing them all. Nothing
/// here writes a file or loads data; the source checkpoint is opened for its header only. The run's
/// executors (<see cref="FineTuneRun"/>, <see cref="FineTuner"/>, <see cref="Freezer"/>) assume valid input.
/// </summary>
internal static class RunValidator
{
    private static readonly string[] DeviceNames = ["auto", "cpu", "cuda", "gpu"];

    /// <summary>
    /// What can be checked without the model: the out folder against <c>--resume</c>, the device, the rules,
    /// the source checkpoint and (when <paramref name="data"/> is given) the data paths.
    /// </summary>
    public static List<RunProblem> Setup(RunConfig config, FineTuneOptions options, DataConfig? data)
    {
        List<RunProblem> problems = [.. OutFolder(options), .. ResumedConfig(config, options), .. ResumedState(config.FineTune, options), .. Device(config.FineTune.Device)];
        problems.AddRange(Training(config.FineTune));
        if (config.FineTune.Loss == LossKind.Bce && config.Export is { Output: not Transfer.Export.OnnxOutputKind.Logits } binaryExport)
        {
            problems.Add(new RunProblem(
                "export.output", $"'{(binaryExport.Output == Transfer.Export.OnnxOutputKind.Label ? "label" : "probs")}' takes a softmax or argmax over classes, which a one-logit bce head does not have; use output: logits"));
        }
        if (config.Rules is not null)
        {
            Check(problems, "rules", () => RuleSetYaml.FromNode(YamlSource.Of(config.Rules, config.FileName), config.Rules));
        }

        Check(problems, "source.path", () =>
        {
            using Checkpoint header = CheckpointReader.Open(config.Source.Path, config.Source.Key == "auto" ? null : config.Source.Key);
        });
        if (data is not null)
        {
            problems.AddRange(Data(data));
        }

        return problems;
    }

    /// <summary>
    /// The <c>export:</c> section against the fresh model: valid options, a known input shape (a built-in
    /// model's, else <paramref name="imageShape"/>), and every module exportable; nothing when there is none.
    /// </summary>
    public static IEnumerable<RunProblem> Export(
        ExportConfig? export, torch.nn.Module model, IReadOnlyList<long>? imageShape, Transfer.Data.Transforms.TransformPipeline? pipeline = null) =>
        RunExport.Problems(export, model, imageShape, pipeline);

    /// <summary>The out folder against <c>--resume</c>: a fresh run never overwrites a run's checkpoints, and a resume needs one.</summary>
    public static IEnumerable<RunProblem> OutFolder(FineTuneOptions options)
    {
        if (File.Exists(options.OutDir))
        {
            yield return new RunProblem("--out", $"{options.OutDir} is a file, not a folder");
            yield break;
        }

        (int Epoch, string Path)? latest = new CheckpointStore(Path.Combine(options.OutDir, "checkpoints")).Latest();
        if (latest is { } earlier && !options.Resume)
        {
            yield return new RunProblem(
                "--out", $"{options.OutDir} already holds a checkpoint of a run (epoch {earlier.Epoch}); pass --resume to continue it, or choose another --out");
        }
        else if (latest is null && options.Resume)
        {
            yield return new RunProblem("--resume", $"{options.OutDir} holds no checkpoint to resume from; run without --resume to start afresh");
        }
    }

    /// <summary>A resume continues the config the run was started with (its <c>config.yaml</c>) unless forced.</summary>
    public static IEnumerable<RunProblem> ResumedConfig(RunConfig config, FineTuneOptions options)
    {
        string saved = Path.Combine(options.OutDir, "config.yaml");
        if (options.Resume && !options.Force && File.Exists(saved))
        {
            IReadOnlyList<string> changed = ResolvedConfig.Differences(File.ReadAllText(saved), config);
            if (changed.Count > 0)
            {
                yield return new RunProblem(
                    "--resume", $"the config differs from {saved} in {string.Join(", ", changed)}; pass --resume --force to continue with the new config anyway");
            }
        }
    }

    /// <summary>
    /// What the checkpoint a resume starts from can continue into, whatever <c>--force</c> allows: <c>finetune.ema</c>
    /// needs the weight average the checkpoint holds, and a checkpoint made inside an epoch continues only at the
    /// <c>finetune.accumulate</c> it was made with. Everything else a forced resume may change (ema turned off, the
    /// scheduler, grad_clip, label_smoothing, accumulate at an epoch's end) applies from the resumed point on.
    /// </summary>
    public static IEnumerable<RunProblem> ResumedState(FineTuneConfig config, FineTuneOptions options)
    {
        if (!options.Resume || File.Exists(options.OutDir) || new CheckpointStore(Path.Combine(options.OutDir, "checkpoints")).Latest() is not { } latest)
        {
            yield break;
        }

        if (config.Ema is not null && !File.Exists(Path.Combine(latest.Path, CheckpointStore.EmaFile)))
        {
            yield return new RunProblem(
                "finetune.ema", $"the checkpoint in {latest.Path} holds no weight average (the run trained without ema), so it cannot continue one; resume without finetune.ema, or start a new run");
        }

        TrainingProgress? saved = ReadableProgress(latest.Path);
        if (saved is { InEpoch: not null, Accumulate: > 0 } && saved.Accumulate != config.Accumulate)
        {
            yield return new RunProblem(
                "finetune.accumulate",
                $"the checkpoint in {latest.Path} was made inside epoch {saved.Epoch + 1}, whose optimizer steps group its batches by {saved.Accumulate}; resume with accumulate {saved.Accumulate} (it may change at an epoch's end)");
        }
    }

    private static TrainingProgress? ReadableProgress(string checkpoint)
    {
        try
        {
            return CheckpointStore.ReadProgress(checkpoint);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or IOException)
        {
            return null; // the resume itself reports an unreadable state.json
        }
    }

    /// <summary>
    /// A user assembly's model (<c>target.model: { assembly, type, args }</c>) names a file, a module type and a
    /// constructor its arguments fit, as the run would report them (key <c>target</c>); its code is not run.
    /// </summary>
    public static IEnumerable<RunProblem> TargetAssembly(RunConfig config)
    {
        string? problem = null;
        try
        {
            config.Target.Assembly?.Check();
        }
        catch (ModelConfigException e)
        {
            problem = e.Message;
        }

        return problem is null ? [] : [new RunProblem("target", problem)];
    }

    /// <summary>The device name is known and, when it asks for CUDA, this machine has it.</summary>
    public static IEnumerable<RunProblem> Device(string device)
    {
        string name = device.Split(':')[0];
        if (!DeviceNames.Contains(name, StringComparer.Ordinal))
        {
            string hint = NameSuggestion.Suggest(name, DeviceNames) is { } near ? $"; did you mean '{near}'?" : string.Empty;
            yield return new RunProblem("finetune.device", $"'{device}' is not a device (auto, cpu, cuda, cuda:N){hint}");
        }
        else if (name is "cuda" or "gpu" && !torch.cuda.is_available())
        {
            yield return new RunProblem(
                "finetune.device", $"'{device}' needs CUDA, which this machine does not have (or this build uses TorchSharp's CPU package); use 'cpu' or 'auto'");
        }
    }

    /// <summary>The data the config names exists where it says.</summary>
    public static IEnumerable<RunProblem> Data(DataConfig data)
    {
        if (data.Kind == DataKind.ImageFolder)
        {
            if (data.Path is null)
            {
                yield return new RunProblem("data.path", "an imagefolder needs a folder, not auto");
            }
            else if (!Directory.Exists(data.Path))
            {
                yield return new RunProblem("data.path", $"{data.Path} does not exist");
            }
            else if (!Directory.Exists(Path.Combine(data.Path, "train")))
            {
                yield return new RunProblem("data.path", $"{data.Path} has no train/ (an image folder needs train/<class>/, and optionally val/<class>/)");
            }

            yield break;
        }

        if (FashionMnist.Missing(data.Path) is { } problem)
        {
            yield return new RunProblem("data.path", problem);
        }
    }

    /// <summary>
    /// The <c>finetune:</c> patterns against the model's parameter names: every freeze pattern matches a
    /// parameter, every unfreeze entry a frozen one within the run's epochs, every param group a trainable
    /// one, and something trains in the first epoch. Pure: names in, problems out.
    /// </summary>
    public static List<RunProblem> Model(IReadOnlyList<string> parameterNames, FineTuneConfig config)
    {
        FreezeSpec spec = new(config.Freeze, config.FrozenBn);
        List<RunProblem> problems = [.. spec.Unmatched(parameterNames).Select(pattern =>
            new RunProblem("finetune.freeze", $"'{pattern}' matches no parameter of the model{Hint(pattern, parameterNames)}"))];
        HashSet<string> frozen = parameterNames.Where(spec.Matches).ToHashSet(StringComparer.Ordinal);
        foreach (UnfreezeConfig u in config.Unfreeze)
        {
            Glob glob = new(u.Match);
            if (!frozen.Any(glob.IsMatch))
            {
                problems.Add(new RunProblem("finetune.unfreeze", $"'{u.Match}' matches no frozen parameter{Hint(u.Match, [.. frozen])}"));
            }

            if (u.Epoch > config.Epochs)
            {
                problems.Add(new RunProblem(
                    "finetune.unfreeze", $"'{u.Match}' unfreezes at epoch {u.Epoch}, after the last epoch ({config.Epochs})"));
            }
        }

        List<string> trainable = [.. parameterNames.Where(n => !frozen.Contains(n))];
        foreach (ParamGroupConfig group in config.ParamGroups)
        {
            Glob glob = new(group.Match);
            if (!trainable.Any(glob.IsMatch))
            {
                problems.Add(new RunProblem("finetune.param_groups", $"'{group.Match}' matches no trainable parameter{Hint(group.Match, trainable)}"));
            }
        }

        if (parameterNames.Count > 0 && trainable.Count == 0 && !config.Unfreeze.Any(u => u.Epoch <= 1))
        {
            problems.Add(new RunProblem("finetune.freeze", "every parameter is frozen, so there is nothing to train"));
        }

        return problems;
    }

    /// <summary>
    /// The training features' ranges (loss, clipping, accumulation, EMA, precision, schedule): one check for
    /// configs read from YAML and configs built in code alike. Pure: config in, problems out.
    /// </summary>
    public static List<RunProblem> Training(FineTuneConfig config)
    {
        List<RunProblem> problems = [];
        void Need(bool ok, string key, string rule, double value)
        {
            if (!ok)
            {
                problems.Add(new RunProblem(key, $"must be {rule}, got {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"));
            }
        }

        if (config.GradClip is { } clip)
        {
            Need(double.IsFinite(clip) && clip > 0, "finetune.grad_clip", "a number > 0", clip);
        }

        Need(config.Accumulate >= 1, "finetune.accumulate", "an integer >= 1", config.Accumulate);
        Need(config.LabelSmoothing is >= 0 and < 1, "finetune.label_smoothing", "a number in [0, 1)", config.LabelSmoothing);
        if (config.Ema is { } ema)
        {
            Need(ema is > 0 and < 1, "finetune.ema", "a decay in (0, 1), e.g. 0.999", ema);
        }

        if (config.Loss == LossKind.Bce && config.LabelSmoothing > 0)
        {
            problems.Add(new RunProblem("finetune.label_smoothing", "applies to loss cross_entropy only, not bce"));
        }

        if (config.Precision == Precision.Bf16)
        {
            problems.Add(new RunProblem(
                "finetune.precision", "bf16 needs autocast, which TorchSharp 0.107 does not provide on any device (cpu or cuda); use fp32"));
        }

        SchedulerConfig s = config.Scheduler;
        Need(s.WarmupEpochs >= 0 && (s.WarmupEpochs == 0 || s.WarmupEpochs < config.Epochs),
            "finetune.scheduler.warmup_epochs", $"an integer >= 0 and below epochs ({config.Epochs})", s.WarmupEpochs);
        Need(s.WarmupStartFactor is > 0 and <= 1, "finetune.scheduler.warmup_start_factor", "a number in (0, 1]", s.WarmupStartFactor);
        Need(s.PctStart is > 0 and < 1, "finetune.scheduler.pct_start", "a number in (0, 1)", s.PctStart);
        Need(double.IsFinite(s.DivFactor) && s.DivFactor > 0, "finetune.scheduler.div_factor", "a number > 0", s.DivFactor);
        Need(double.IsFinite(s.FinalDivFactor) && s.FinalDivFactor > 0, "finetune.scheduler.final_div_factor", "a number > 0", s.FinalDivFactor);
        Need(s.Factor is > 0 and < 1, "finetune.scheduler.factor", "a number in (0, 1)", s.Factor);
        Need(s.Patience >= 0, "finetune.scheduler.patience", "an integer >= 0", s.Patience);
        Need(double.IsFinite(s.Threshold) && s.Threshold >= 0, "finetune.scheduler.threshold", "a number >= 0", s.Threshold);
        Need(double.IsFinite(s.MinLr) && s.MinLr >= 0, "finetune.scheduler.min_lr", "a number >= 0", s.MinLr);
        return problems;
    }

    /// <summary>Throws one <see cref="RuleConfigException"/> listing every problem (on one line), or returns.</summary>
    public static void ThrowIfAny(IReadOnlyList<RunProblem> problems)
    {
        if (problems.Count == 1)
        {
            throw new RuleConfigException(problems[0].ToString());
        }

        if (problems.Count > 1)
        {
            throw new RuleConfigException($"{problems.Count} problems: {string.Join("; ", problems)}");
        }
    }

    private static void Check(List<RunProblem> problems, string key, Action check)
    {
        try
        {
            check();
        }
        catch (TransferException e)
        {
            problems.Add(new RunProblem(key, e.Message));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new RunProblem(key, e.Message));
        }
    }

    /// <summary>
    /// "; did you mean 'conv.*'?" when the pattern's first segment is close to a parameter's, else which
    /// first segments the parameters have.
    /// </summary>
    private static string Hint(string pattern, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return string.Empty;
        }

        List<string> roots = names.Select(n => n.Split('.')[0]).Distinct(StringComparer.Ordinal).ToList();
        string root = pattern.Split('.')[0];
        if (NameSuggestion.Suggest(root, roots) is { } near && near != root)
        {
            return $"; did you mean '{near}{pattern[root.Length..]}'?";
        }

        return $" (parameter names start with {string.Join(", ", roots.Select(r => $"'{r}.'"))})";
    }
}
