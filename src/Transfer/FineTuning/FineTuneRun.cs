using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using TorchSharp;
using Transfer.Applying;
using Transfer.Data;
using Transfer.Export;
using Transfer.FineTuning.Checkpoints;
using Transfer.FineTuning.Config;
using Transfer.Formats;
using Transfer.Freezing;
using Transfer.IO;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;
using Transfer.Rules.Yaml;
using Transfer.Training;
using Transfer.Versioning;
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
        List<RunProblem> problems = RunValidator.Setup(config, options, config.Data);
        nn.Module<Tensor, Tensor>? model = problems.Any(p => p.Key == "finetune.device") ? null : CreateModel(config, problems);
        using (model)
        {
            RunImageFolder? images = model is null ? null : RunImageFolder.Check(config.Data, model, config.FineTune.Threads, problems);
            if (images is not null && problems.All(p => p.Key != "export"))
            {
                problems.AddRange(RunValidator.Export(config.Export, model!, null, images.Pipeline)); // the run's normalisation against export.mean/std
            }

            RunValidator.ThrowIfAny(problems);
            using RunData data = images?.Load(config.Seed, options.Logger) ?? RunData.Load(config.Data, config.Seed, options.Logger);
            BatchCheck.Run(model!, config.Target.Model, data.Train, data.Validation, config.FineTune);
            return Run(config, ReadRules(config), model!, data, options, dataFromConfig: true);
        }
    }

    /// <summary>
    /// Creates the target model, initialised from a generator seeded by the config (never the global one),
    /// adding to <paramref name="problems"/> what the config gets wrong about it.
    /// </summary>
    private static nn.Module<Tensor, Tensor>? CreateModel(RunConfig config, List<RunProblem> problems)
    {
        nn.Module created;
        try
        {
            created = config.Target.Create();
        }
        catch (ModelConfigException e)
        {
            problems.Add(new RunProblem("target", e.Message));
            return null;
        }

        try
        {
            SeededInit.Apply(created, config.Seed);
        }
        catch (ArgumentException e) when (config.Target.Assembly is not null)
        {
            // A user's module with parameters of its own: the run cannot draw them from the seed, so it refuses.
            created.Dispose();
            problems.Add(new RunProblem("target.model", $"{config.Target.Model}: {e.Message[..e.Message.IndexOf(';', StringComparison.Ordinal)]}; a run initialises its model from 'seed' and can do so for Linear, convolution, norm and embedding layers only"));
            return null;
        }

        if (created is not nn.Module<Tensor, Tensor> model)
        {
            created.Dispose();
            problems.Add(new RunProblem("target.model", $"'{config.Target.Model}' is not a tensor-to-tensor classifier"));
            return null;
        }

        problems.AddRange(RunValidator.Model(ParameterNames(model), config.FineTune));
        problems.AddRange(RunValidator.Export(config.Export, model, null));
        return model;
    }

    private static List<string> ParameterNames(nn.Module model) => [.. model.named_parameters().Select(p => p.name)];

    /// <summary>
    /// Runs <paramref name="config"/> on the caller's model and data: the config's <c>target</c> and
    /// <c>data</c> sections are not used. The model should be freshly initialised (e.g. by <see cref="SeededInit"/> from a seeded generator).
    /// </summary>
    public static FineTuneRunResult Execute(
        RunConfig config, nn.Module<Tensor, Tensor> model, LabeledTensors train, LabeledTensors validation, FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(options);
        List<RunProblem> problems = RunValidator.Setup(config, options, data: null);
        problems.AddRange(RunValidator.Model(ParameterNames(model), config.FineTune));
        problems.AddRange(RunValidator.Export(config.Export, model, validation.Images.shape));
        RunValidator.ThrowIfAny(problems);
        BatchCheck.Run(model, config.Target.Model, train, validation, config.FineTune);
        DataSets sets = new(
            $"the caller's training data ({train.Count} examples)", $"the caller's validation data ({validation.Count} examples)", null);
        return Run(config, ReadRules(config), model, new RunData(train, validation, null, sets), options, dataFromConfig: false);
    }

    private static FineTuneRunResult Run(
        RunConfig config, RuleSet rules, nn.Module<Tensor, Tensor> model, RunData data, FineTuneOptions options, bool dataFromConfig)
    {
        using IntraOpThreads threads = IntraOpThreads.Use(config.FineTune.Threads);
        ILogger log = options.Logger;
        RunFacts facts = new(DeviceChoice.Name(DeviceChoice.Resolve(config.FineTune.Device)), config.FineTune.Threads, data.Sets)
        {
            FineTune = config.FineTune,
            ImageFolder = data.ImageFolder,
        };
        TransferPlan plan;
        using (Checkpoint source = CheckpointReader.Open(config.Source.Path, config.Source.Key == "auto" ? null : config.Source.Key))
        {
            plan = TransferPlanner.Plan(source.Specs, ModelSpecs.Of(model), rules, config.Source.Path, config.Target.Model);
            plan.EnsureValid(); // a plan that breaks its rules is refused before the out folder is touched
            facts = facts with { Files = new JsonObject { ["inputs"] = RunFiles.Inputs(config, dataFromConfig) } };
            Directory.CreateDirectory(options.OutDir);
            AtomicFile.WriteAllText(Path.Combine(options.OutDir, "config.yaml"), ResolvedConfig.Yaml(config));
            if (data.Classes is { } classes)
            {
                AtomicFile.WriteAllText(Path.Combine(options.OutDir, "classes.json"), ClassesJson(classes));
            }
            FreezeReport freezing = config.FineTune.Freeze.Count > 0
                ? Freezer.Apply(model, new FreezeSpec(config.FineTune.Freeze, config.FineTune.FrozenBn))
                : FreezeState.Of(model);
            WriteReports(options.OutDir, plan, freezing, facts, RunFiles.OutputNames);
            PlanApplier.Apply(plan, model, source);
        }

        PlanSummary s = plan.Summary;
        log.LogInformation(
            "Transfer from {Source}: {Loaded} loaded, {Partial} partial, {Skipped} skipped, {Missing} missing, {Unused} unused",
            config.Source.Path, s.Loaded, s.Partial, s.Skipped, s.Missing, s.Unused);
        foreach (PlanEntry e in plan.Entries.Where(e => e.Status is EntryStatus.Skipped or EntryStatus.Missing))
        {
            log.LogInformation("  {Status} {Target} ({Reason})", e.Status.ToString().ToLowerInvariant(), e.Target, Transfer.Rules.Reports.ReportText.Reason(e.Reason));
        }

        WeightsFile.Write(Path.Combine(options.OutDir, "transferred.safetensors"), model);
        FineTuneResult training = FineTuner.Train(
            model, data.Train, data.Validation, config.FineTune, config.Seed, options with { TensorBoard = options.TensorBoard || config.Log.TensorBoard });
        TestEvaluation? test = data.Test is { } testSet ? Test(model, testSet, training, options, ClassifierLoss.Of(config.FineTune)) : null;
        RunOutcome outcome = new(
            config.FineTune.Checkpoint.KeepBest,
            training.History.FirstOrDefault(m => m.Epoch == training.BestEpoch),
            training.History.Count == 0 ? null : training.History[^1],
            test);
        facts = facts with { Device = training.Device, Threads = training.Threads, Outcome = outcome };
        OnnxVerification? exported = null;
        List<string> outputs = [.. RunFiles.OutputNames];
        if (config.Export is { } export)
        {
            // An image-folder run's export normalises in its graph, so it is verified on the unnormalised images.
            using LabeledTensors? raw = data.Pipeline is { Normalizes: true } ? data.UnnormalizedValidation!() : null;
            (JsonObject record, exported) = RunExport.Execute(
                export, model, options.OutDir, raw ?? data.Validation, data.Sets.Validation, dataFromConfig ? RunExportSource.Classes(config.Data) : null, log, data.Pipeline);
            facts = facts with { Export = record };
            if (exported.Passed)
            {
                outputs.Add(export.File);
            }
        }

        WriteReports(options.OutDir, plan, training.Freezing, facts, outputs);
        if (exported is { Passed: false })
        {
            throw new OnnxVerificationException(RunExport.FailureMessage(config.Export!, exported, options.OutDir), exported);
        }

        return new FineTuneRunResult(plan, training) { Test = test };
    }

    /// <summary>Evaluates the best epoch's weights (best.safetensors) once on the held-out test set.</summary>
    private static TestEvaluation? Test(
        nn.Module<Tensor, Tensor> model, LabeledTensors test, FineTuneResult training, FineTuneOptions options, ClassifierLoss criterion)
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

        (double loss, double accuracy, long examples) = TrainingLoop.Evaluate(model, test, options.EvaluationBatchSize, criterion);
        options.Logger.LogInformation(
            "Test set: accuracy {Accuracy:F4}, loss {Loss:F4} on {Examples} examples, with best.safetensors (epoch {Epoch}, chosen on the validation set)",
            accuracy, loss, examples, training.BestEpoch);
        return new TestEvaluation(loss, accuracy, examples, training.BestEpoch);
    }

    /// <summary>
    /// Writes report.md, then report.json with the SHA-256 and size of every output in the folder by then
    /// (report.md included; report.json cannot list itself).
    /// </summary>
    private static void WriteReports(string outDir, TransferPlan plan, FreezeReport freezing, RunFacts facts, IReadOnlyList<string> outputs)
    {
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), RunReport.Markdown(plan, freezing, facts));
        if (facts.Files is { } files)
        {
            JsonObject withOutputs = (JsonObject)files.DeepClone();
            withOutputs["outputs"] = RunFiles.Outputs(outDir, outputs);
            facts = facts with { Files = withOutputs };
        }

        AtomicFile.WriteAllText(Path.Combine(outDir, "report.json"), RunReport.Json(plan, freezing, facts));
    }

    /// <summary><c>classes.json</c>: the class names as a JSON array, index = label.</summary>
    private static string ClassesJson(IReadOnlyList<string> classes) =>
        new JsonArray([.. classes.Select(c => (JsonNode)c)]).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";

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
