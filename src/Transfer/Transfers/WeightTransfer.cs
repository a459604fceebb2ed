using TorchSharp;
using Transfer.Applying;
using Transfer.Formats;
using Transfer.Rules;
using Transfer.Rules.Planning;

namespace Transfer.Transfers;

/// <summary>
/// The read → plan → validate → apply → write pipeline for files, as one call each, for the CLI and for
/// scripts that do not need a live model.
/// </summary>
public static class WeightTransfer
{
    /// <summary>Plans <paramref name="source"/> onto <paramref name="target"/>; the plan may carry problems.</summary>
    public static TransferPlan Plan(StateDictSide source, StateDictSide target, RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        return TransferPlanner.Plan(source.Specs, target.Specs, rules, source.Label, target.Label);
    }

    /// <summary>
    /// Validates <paramref name="plan"/>, merges the source's values into the target's state dict and writes
    /// the result atomically to <paramref name="outPath"/> (format from its extension). Nothing is written
    /// when the plan is invalid or any tensor fails its checks.
    /// </summary>
    /// <exception cref="Rules.Errors.TransferPlanException">The plan has problems; no file was written.</exception>
    public static ApplyReport ApplyToFile(TransferPlan plan, StateDictSide source, StateDictSide target, string outPath)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        plan.EnsureValid();
        CheckpointWriter.FormatOf(outPath);
        IReadOnlyList<KeyValuePair<string, torch.Tensor>> targetTensors = target.LoadAll();
        try
        {
            using MergedStateDict merged = PlanApplier.Merge(plan, targetTensors, source.Load);
            CheckpointWriter.Write(outPath, merged.Entries);
            return merged.Report;
        }
        finally
        {
            foreach (KeyValuePair<string, torch.Tensor> entry in targetTensors)
            {
                entry.Value.Dispose();
            }
        }
    }
}
