using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";
    }

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

        md.Append(CultureInfo.InvariantCulture, $"\n## Training\n\nDevice `{facts.Device}`, {facts.Threads} intra-op thread(s).\n");
        return md.ToString();
    }
}
