using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Transfer.Freezing;
using Transfer.Rules.Planning;
using Transfer.Rules.Reports;

namespace Transfer.FineTuning;

/// <summary>
/// <c>report.json</c> and <c>report.md</c> of a run: the rule engine's transfer report as it renders it,
/// plus a <c>freeze</c> section listing every frozen and trainable tensor with element counts.
/// </summary>
internal static class RunReport
{
    public static string Json(TransferPlan plan, FreezeReport freezing, RunFacts facts)
    {
        JsonObject root = JsonNode.Parse(PlanJsonReport.Render(plan))!.AsObject();
        JsonObject freeze = new()
        {
            ["source"] = freezing.Source == FreezeSource.Patterns ? "finetune.freeze" : "model",
            ["frozen"] = freezing.FrozenCount,
            ["trainable"] = freezing.TrainableCount,
            ["frozenElements"] = freezing.FrozenElements,
            ["trainableElements"] = freezing.TrainableElements,
            ["parameters"] = new JsonArray(freezing.Parameters
                .Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["elements"] = p.Elements, ["frozen"] = p.Frozen })
                .ToArray()),
        };
        root["freeze"] = freeze;
        root["training"] = new JsonObject { ["device"] = facts.Device, ["threads"] = facts.Threads };
        if (facts.FineTune is { } fineTune)
        {
            TrainingFeatures(root["training"]!.AsObject(), fineTune);
        }

        root["data"] = new JsonObject { ["train"] = facts.Sets.Train, ["validation"] = facts.Sets.Validation, ["test"] = facts.Sets.Test };
        if (facts.ImageFolder is { } images)
        {
            root["data"]!["imagefolder"] = images.DeepClone();
        }

        if (facts.Outcome is { } o)
        {
            root["results"] = Results(o);
        }

        if (facts.Export is { } export)
        {
            root["export"] = export.DeepClone();
        }

        if (facts.Files is { } files)
        {
            root["files"] = files.DeepClone();
        }

        // A diverged run's NaN or infinite losses are written as the strings "NaN", "Infinity", "-Infinity".
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }).ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>The training features as config.yaml names them (null for off), and which weights the files hold.</summary>
    private static void TrainingFeatures(JsonObject training, Config.FineTuneConfig f)
    {
        training["precision"] = f.Precision == Config.Precision.Bf16 ? "bf16" : "fp32";
        training["loss"] = f.Loss == Config.LossKind.Bce ? "bce" : "cross_entropy";
        training["label_smoothing"] = f.LabelSmoothing;
        training["grad_clip"] = f.GradClip;
        training["accumulate"] = f.Accumulate;
        training["ema"] = f.Ema;
        training["weights"] = f.Ema is null
            ? "best.safetensors and final.safetensors hold the trained weights"
            : "best.safetensors and final.safetensors hold the EMA weights (evaluated and selected on); the trained weights are in the last checkpoint's model.dat";
        training["scheduler"] = new JsonObject
        {
            ["type"] = f.Scheduler.Type.ToString().ToLowerInvariant(),
            ["warmup_epochs"] = f.Scheduler.WarmupEpochs,
            ["stepped"] = f.Scheduler.Type == Config.SchedulerType.OneCycle ? "per optimizer step" : "per epoch",
        };
    }

    /// <summary>Every number with the set it was measured on: best and last epoch on validation, test once.</summary>
    private static JsonObject Results(RunOutcome o)
    {
        JsonObject results = new()
        {
            ["best"] = o.Best is { } b
                ? new JsonObject
                {
                    ["epoch"] = b.Epoch,
                    ["chosen_by"] = MetricName(o.KeepBest),
                    ["set"] = "validation",
                    ["val_loss"] = b.ValLoss,
                    ["val_acc"] = b.ValAcc,
                    ["weights"] = "best.safetensors",
                }
                : null,
            ["last"] = o.Last is { } l
                ? new JsonObject
                {
                    ["epoch"] = l.Epoch,
                    ["set"] = "validation",
                    ["val_loss"] = l.ValLoss,
                    ["val_acc"] = l.ValAcc,
                    ["train_loss"] = l.TrainLoss,
                    ["train_acc"] = l.TrainAcc,
                    ["train_set"] = "train",
                    ["weights"] = "final.safetensors",
                }
                : null,
            ["test"] = o.Test is { } t
                ? new JsonObject
                {
                    ["set"] = "test",
                    ["accuracy"] = t.Accuracy,
                    ["loss"] = t.Loss,
                    ["examples"] = t.Examples,
                    ["epoch"] = t.Epoch,
                    ["weights"] = "best.safetensors",
                }
                : null,
        };
        return results;
    }

    private static string MetricName(FineTuning.Config.Metric metric) =>
        metric == FineTuning.Config.Metric.ValLoss ? "val_loss" : "val_acc";

    /// <summary>What decided the freezing, as a report sentence says it.</summary>
    public static string SourceText(FreezeSource source) =>
        source == FreezeSource.Patterns
            ? "chosen by the finetune.freeze patterns"
            : "kept as the model's requires_grad flags were found (no finetune.freeze patterns)";

    public static string Markdown(TransferPlan plan, FreezeReport freezing, RunFacts facts)
    {
        StringBuilder md = new(PlanMarkdownReport.Render(plan).TrimEnd('\n'));
        md.Append("\n\n## Freezing\n\n");
        md.Append(CultureInfo.InvariantCulture,
            $"{freezing.FrozenCount} tensors frozen ({freezing.FrozenElements} elements), {freezing.TrainableCount} trainable ({freezing.TrainableElements} elements); {SourceText(freezing.Source)}.\n\n");
        md.Append("| Tensor | Elements | State |\n|---|---:|---|\n");
        foreach (FrozenParameter p in freezing.Parameters)
        {
            md.Append(CultureInfo.InvariantCulture, $"| `{p.Name}` | {p.Elements} | {(p.Frozen ? "frozen" : "trainable")} |\n");
        }

        md.Append(CultureInfo.InvariantCulture, $"\n## Training\n\nDevice `{facts.Device}`, {facts.Threads} intra-op thread(s).\n\n");
        md.Append(CultureInfo.InvariantCulture, $"- train: {facts.Sets.Train}\n- validation: {facts.Sets.Validation}\n- test: {facts.Sets.Test ?? "none held out"}\n");
        if (facts.Outcome is { Best: { } best } outcome)
        {
            md.Append(CultureInfo.InvariantCulture,
                $"\nBest epoch {best.Epoch}, chosen by {MetricName(outcome.KeepBest)} on the validation set: val_loss {best.ValLoss:F4}, val_acc {best.ValAcc:F4} (best.safetensors).\n");
            if (outcome.Test is { } t)
            {
                md.Append(CultureInfo.InvariantCulture,
                    $"Test set, once, with best.safetensors: accuracy {t.Accuracy:F4}, loss {t.Loss:F4} on {t.Examples} examples.\n");
            }
        }

        return md.ToString();
    }
}
