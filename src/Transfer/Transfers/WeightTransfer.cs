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
        if (TryStream(plan, source, target, outPath) is { } streamed)
        {
            return streamed;
        }

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

    /// <summary>
    /// When both sides are files and every loaded tensor is copied whole with its dtype unchanged, writes
    /// the merge by streaming each tensor's bytes from its file: constant memory, no tensor materialised.
    /// Returns null when the plan needs computation (a partial copy or a cast), which takes the tensor path.
    /// </summary>
    private static ApplyReport? TryStream(TransferPlan plan, StateDictSide source, StateDictSide target, string outPath)
    {
        if (source.Checkpoint is not { } from || target.Checkpoint is not { } into
            || plan.Entries.Any(e => e.Status == EntryStatus.Partial || (e.Status == EntryStatus.Loaded && e.Cast)))
        {
            return null;
        }

        Dictionary<string, CheckpointTensor> sources = from.Tensors.ToDictionary(t => t.Spec.Name, StringComparer.Ordinal);
        Dictionary<string, string> loadedFrom = plan.Entries
            .Where(e => e.Status == EntryStatus.Loaded)
            .ToDictionary(e => e.Target!, e => e.Source!, StringComparer.Ordinal);
        List<KeyValuePair<string, CheckpointTensor>> merged = new(into.Tensors.Count);
        long copied = 0;
        foreach (CheckpointTensor tensor in into.Tensors)
        {
            CheckpointTensor chosen = tensor;
            if (loadedFrom.TryGetValue(tensor.Spec.Name, out string? sourceName))
            {
                chosen = sources[sourceName];
                if (chosen.Spec.DType != tensor.Spec.DType || !chosen.Spec.SameShape(tensor.Spec))
                {
                    return null;
                }

                copied += tensor.Spec.ElementCount;
            }

            merged.Add(new KeyValuePair<string, CheckpointTensor>(tensor.Spec.Name, chosen));
        }

        CheckpointWriter.Write(outPath, merged);
        return new ApplyReport(loadedFrom.Count, 0, copied, 0);
    }
}
