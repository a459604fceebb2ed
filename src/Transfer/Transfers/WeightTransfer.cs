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
    /// When both sides are files, writes the merge by streaming each tensor's bytes from its file, so memory
    /// stays flat however large the checkpoints are. Only the tensors the plan must compute (a partial copy,
    /// a cast or an init policy) are loaded: those targets and their sources, merged through <see cref="PlanApplier"/>,
    /// which validates them all before anything is written. Returns null when a side is a live model or a
    /// streamed entry does not fit its target, which leaves the checks and their messages to the tensor path.
    /// </summary>
    private static ApplyReport? TryStream(TransferPlan plan, StateDictSide source, StateDictSide target, string outPath)
    {
        if (source.Checkpoint is null || target.Checkpoint is not { } into)
        {
            return null;
        }

        List<PlanEntry> computed = [.. plan.Entries.Where(e => e.Status == EntryStatus.Partial || (e.Status == EntryStatus.Loaded && e.Cast)
            || (e.Status is EntryStatus.Missing or EntryStatus.Skipped && e.Init is { Kind: not InitKind.Keep }))];
        Dictionary<string, string> streamedFrom = plan.Entries
            .Where(e => e.Status == EntryStatus.Loaded && !e.Cast)
            .ToDictionary(e => e.Target!, e => e.Source!, StringComparer.Ordinal);
        HashSet<string> computedTargets = computed.Select(e => e.Target!).ToHashSet(StringComparer.Ordinal);
        long streamedElements = 0;
        foreach (CheckpointTensor tensor in into.Tensors)
        {
            if (streamedFrom.TryGetValue(tensor.Spec.Name, out string? sourceName))
            {
                if (source.FileTensor(sourceName) is not { } chosen
                    || chosen.Spec.DType != tensor.Spec.DType || !chosen.Spec.SameShape(tensor.Spec))
                {
                    return null;
                }

                streamedElements += tensor.Spec.ElementCount;
            }
        }

        List<KeyValuePair<string, torch.Tensor>> computedTargetTensors = [.. into.Tensors
            .Where(t => computedTargets.Contains(t.Spec.Name))
            .Select(t => KeyValuePair.Create(t.Spec.Name, t.Load()))];
        try
        {
            // With nothing to compute, TorchSharp is never touched: a plain merge runs without loading LibTorch.
            using MergedStateDict? merged = computed.Count == 0 ? null
                : PlanApplier.Merge(plan with { Entries = computed }, computedTargetTensors, source.Load);
            Dictionary<string, torch.Tensor> computedValues = merged is null ? []
                : merged.Entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
            List<CheckpointEntry> entries = new(into.Tensors.Count);
            foreach (CheckpointTensor tensor in into.Tensors)
            {
                string name = tensor.Spec.Name;
                entries.Add(computedValues.TryGetValue(name, out torch.Tensor? value) ? CheckpointEntry.Of(name, value)
                    : streamedFrom.TryGetValue(name, out string? sourceName) ? CheckpointEntry.Of(name, source.FileTensor(sourceName)!)
                    : CheckpointEntry.Of(name, tensor));
            }

            CheckpointWriter.Write(outPath, entries);
            ApplyReport report = merged?.Report ?? new ApplyReport(0, 0, 0, 0);
            return new ApplyReport(streamedFrom.Count + report.Loaded, report.Partial, streamedElements + report.CopiedElements, report.Cast)
            {
                Initialized = report.Initialized,
            };
        }
        finally
        {
            computedTargetTensors.ForEach(e => e.Value.Dispose());
        }
    }
}
