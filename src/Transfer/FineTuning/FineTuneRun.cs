using Microsoft.Extensions.Logging;
using TorchSharp;
using Transfer.Applying;
using Transfer.Data;
using Transfer.FineTuning.Checkpoints;
using Transfer.FineTuning.Config;
using Transfer.FineTuning.Images;
using Transfer.Formats;
using Transfer.Freezing;
using Transfer.IO;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;
using Transfer.Rules.Yaml;
using Transfer.Training;
using static TorchSharp.torch;

namespace Transfer.FineTuning;

/// <summary>
/// A whole run as a config describes it: build the target, plan and apply the transfer of the source
/// weights by the rules, write <c>report.json</c>/<c>report.md</c> and <c>transferred.safetensors</c>, then
/// fine-tune with <see cref="FineTuner"/>. What <c>transfer run</c> does, as one library call.
/// </summary>
public static class FineTuneRun
{
    /// <summary>Runs <paramref name="config"/> with its registered target model and its data.</summary>
    /// <param name="config">The run config (see <see cref="RunConfigReader"/>).</param>
    /// <param name="options">Output folder, resume, logging, progress, cancellation.</param>
    public static FineTuneRunResult Execute(RunConfig config, FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        RuleSet rules = ReadRules(config);
        using nn.Module created = ModelRegistry.Create(config.Target.Model, config.Target.Options);
        using (Generator init = new(unchecked((ulong)config.Seed)))
        {
            SeededInit.Apply(created, init);
        }

        if (created is not nn.Module<Tensor, Tensor> model)
        {
            throw new RuleConfigException($"target.model: '{config.Target.Model}' is not a tensor-to-tensor classifier");
        }

        using RunData data = RunData.Load(config.Data, config.Seed, options.Logger);
        return Run(config, rules, model, data, options);
    }

    /// <summary>
    /// Runs <paramref name="config"/> on the caller's model and data: the config's <c>target</c> and
    /// <c>data</c> sections are not used. The model should be freshly initialised (e.g. by <see cref="SeededInit"/> from a seeded generator).
    /// </summary>
    public static FineTuneRunResult Execute(
        RunConfig config, nn.Module<Tensor, Tensor> model, LabeledTensors train, LabeledTensors validation, FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        DataSets sets = new(
            $"the caller's training data ({train.Count} examples)", $"the caller's validation data ({validation.Count} examples)", null);
        return Run(config, ReadRules(config), model, new RunData(train, validation, null, sets), options);
    }

    private static FineTuneRunResult Run(RunConfig config, RuleSet rules, nn.Module<Tensor, Tensor> model, RunData data, FineTuneOptions options)
    {
        using IntraOpThreads threads = IntraOpThreads.Use(config.FineTune.Threads);
        CheckResume(config, options);
        Directory.CreateDirectory(options.OutDir);
        AtomicFile.WriteAllText(Path.Combine(options.OutDir, "config.yaml"), ResolvedConfig.Yaml(config));
        ILogger log = options.Logger;
        RunFacts facts = new(DeviceChoice.Name(DeviceChoice.Resolve(config.FineTune.Device)), config.FineTune.Threads, data.Sets);
        TransferPlan plan;
        using (Checkpoint source = CheckpointReader.Open(config.Source.Path, config.Source.Key == "auto" ? null : config.Source.Key))
        {
            plan = TransferPlanner.Plan(source.Specs, ModelSpecs.Of(model), rules, config.Source.Path, config.Target.Model);
            FreezeReport freezing = config.FineTune.Freeze.Count > 0
                ? Freezer.Apply(model, new FreezeSpec(config.FineTune.Freeze, config.FineTune.FrozenBn))
                : FreezeState.Of(model);
            WriteReports(options.OutDir, plan, freezing, facts);
            plan.EnsureValid();
            Dictionary<string, CheckpointTensor> byName = source.Tensors.ToDictionary(t => t.Spec.Name, StringComparer.Ordinal);
            PlanApplier.Apply(plan, model, name => byName[name].Load());
        }

        PlanSummary s = plan.Summary;
        log.LogInformation(
            "Transfer from {Source}: {Loaded} loaded, {Partial} partial, {Skipped} skipped, {Missing} missing, {Unused} unused",
            config.Source.Path, s.Loaded, s.Partial, s.Skipped, s.Missing, s.Unused);
        foreach (PlanEntry e in plan.Entries.Where(e => e.Status is EntryStatus.Skipped or EntryStatus.Missing))
        {
            log.LogInformation("  {Status} {Target} ({Reason})", e.Status.ToString().ToLowerInvariant(), e.Target, e.Reason);
        }

        WeightsFile.Write(Path.Combine(options.OutDir, "transferred.safetensors"), model);
        FineTuneResult training = FineTuner.Train(model, data.Train, data.Validation, config.FineTune, config.Seed, options);
        TestEvaluation? test = data.Test is { } testSet ? Test(model, testSet, training, options) : null;
        RunOutcome outcome = new(
            config.FineTune.Checkpoint.KeepBest,
            training.History.FirstOrDefault(m => m.Epoch == training.BestEpoch),
            training.History.Count == 0 ? null : training.History[^1],
            test);
        WriteReports(options.OutDir, plan, training.Freezing, facts with { Device = training.Device, Threads = training.Threads, Outcome = outcome });
        return new FineTuneRunResult(plan, training) { Test = test };
    }

    /// <summary>Evaluates the best epoch's weights (best.safetensors) once on the held-out test set.</summary>
    private static TestEvaluation? Test(nn.Module<Tensor, Tensor> model, LabeledTensors test, FineTuneResult training, FineTuneOptions options)
    {
        string best = Path.Combine(options.OutDir, "best.safetensors");
        if (training.BestEpoch == 0 || !File.Exists(best))
        {
            return null;
        }

        Dictionary<string, Tensor> state = model.state_dict();
        using (Checkpoint weights = CheckpointReader.Open(best))
        using (no_grad())
        {
            foreach (CheckpointTensor tensor in weights.Tensors)
            {
                using Tensor value = tensor.Load();
                state[tensor.Spec.Name].copy_(value);
            }
        }

        (double loss, double accuracy, long examples) = TrainingLoop.Evaluate(model, test, options.EvaluationBatchSize);
        options.Logger.LogInformation(
            "Test set: accuracy {Accuracy:F4}, loss {Loss:F4} on {Examples} examples, with best.safetensors (epoch {Epoch}, chosen on the validation set)",
            accuracy, loss, examples, training.BestEpoch);
        return new TestEvaluation(loss, accuracy, examples, training.BestEpoch);
    }

    /// <summary>
    /// Refuses, before anything in the out folder changes, a fresh run over a run's checkpoints and a resume
    /// whose config differs from the one the run was started with (unless forced).
    /// </summary>
    private static void CheckResume(RunConfig config, FineTuneOptions options)
    {
        CheckpointStore store = new(Path.Combine(options.OutDir, "checkpoints"));
        if (!options.Resume)
        {
            if (store.Latest() is { } earlier)
            {
                throw new RuleConfigException(
                    $"{options.OutDir}: already holds a checkpoint of a run (epoch {earlier.Epoch}); pass --resume to continue it, or choose another --out");
            }

            return;
        }

        string saved = Path.Combine(options.OutDir, "config.yaml");
        if (options.Force || !File.Exists(saved))
        {
            return;
        }

        IReadOnlyList<string> changed = ResolvedConfig.Differences(File.ReadAllText(saved), config);
        if (changed.Count > 0)
        {
            throw new RuleConfigException(
                $"--resume: the config differs from {saved} in {string.Join(", ", changed)}; pass --resume --force to continue with the new config anyway");
        }
    }

    private static void WriteReports(string outDir, TransferPlan plan, FreezeReport freezing, RunFacts facts)
    {
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.json"), RunReport.Json(plan, freezing, facts));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), RunReport.Markdown(plan, freezing, facts));
    }

    private static RuleSet ReadRules(RunConfig config) =>
        config.Rules is null ? RuleSet.Default : RuleSetYaml.FromNode(config.Rules, config.FileName);
}

/// <summary>What a run did: the transfer plan and the training.</summary>
/// <param name="Plan">The transfer plan (as in report.json).</param>
/// <param name="Training">The fine-tuning result.</param>
public sealed record FineTuneRunResult(TransferPlan Plan, FineTuneResult Training)
{
    /// <summary>
    /// The held-out test set's result with the best weights, for idx data with a validation split; null when
    /// there is no test set apart from the validation set.
    /// </summary>
    public TestEvaluation? Test { get; init; }
}
