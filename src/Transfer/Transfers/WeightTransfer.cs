using TorchSharp;
using Transfer.Applying;
using Transfer.Formats;
using Transfer.Formats.Sharded;
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
    /// Validates <paramref name="plan"/> against both sides' specs (the same checks as
    /// <see cref="PlanApplier"/>), then writes the target's state dict with the source's values merged in,
    /// atomically to <paramref name="outPath"/> (format from its extension). Tensors are streamed in target
    /// order: a whole copy of the same dtype and every untouched target tensor go from file to file unread,
    /// and each partial or cast copy and each init is computed when the writer reaches it and released right after, so
    /// memory stays flat however large the checkpoints are. Nothing is written when a check fails.
    /// </summary>
    /// <exception cref="Rules.Errors.TransferPlanException">The plan is invalid or does not fit the files; no file was written.</exception>
    public static ApplyReport ApplyToFile(TransferPlan plan, StateDictSide source, StateDictSide target, string outPath) =>
        ApplyToFile(plan, source, target, outPath, ShardedCheckpointWriter.DefaultMaxShardSize);

    /// <summary>
    /// As the other overload; when <paramref name="outPath"/> is a shard index (<c>*.safetensors.index.json</c>,
    /// <c>*.bin.index.json</c>), writes shards of at most <paramref name="maxShardSize"/> tensor bytes beside it
    /// (see <see cref="ShardedCheckpointWriter"/>), still one tensor at a time and committed as a unit.
    /// </summary>
    /// <exception cref="Rules.Errors.TransferPlanException">The plan is invalid or does not fit the files; no file was written.</exception>
    public static ApplyReport ApplyToFile(TransferPlan plan, StateDictSide source, StateDictSide target, string outPath, long maxShardSize)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ApplySteps steps = ApplyValidator.Validate(plan, source.Specs, target.Specs);
        CheckpointWriter.FormatOf(outPath);

        Dictionary<string, PlannedCopy> copies = steps.Copies.ToDictionary(c => c.Target.Name, StringComparer.Ordinal);
        Dictionary<string, PlannedInit> inits = steps.Inits.ToDictionary(i => i.Target.Name, StringComparer.Ordinal);
        List<CheckpointEntry> entries = new(target.Specs.Count);
        foreach (TensorSpec spec in target.Specs)
        {
            entries.Add(
                copies.TryGetValue(spec.Name, out PlannedCopy? copy)
                    ? copy.IsVerbatim ? source.EntryOf(copy.Source.Name, spec.Name) : CheckpointEntry.Computed(spec, () => Compute(copy, source, target))
                : inits.TryGetValue(spec.Name, out PlannedInit? init) ? CheckpointEntry.Computed(spec, () => Initialize(init, target))
                : target.EntryOf(spec.Name, spec.Name));
        }

        if (ShardedCheckpointWriter.IsIndexPath(outPath))
        {
            ShardedCheckpointWriter.Write(outPath, entries, maxShardSize);
        }
        else
        {
            CheckpointWriter.Write(outPath, entries);
        }

        return ApplyReport.Of(steps);
    }

    /// <summary>The target tensor filled by its init policy.</summary>
    private static torch.Tensor Initialize(PlannedInit init, StateDictSide target)
    {
        torch.Tensor into = target.Load(init.Target.Name);
        try
        {
            using (torch.no_grad())
            using (torch.NewDisposeScope())
            {
                init.Write(into);
            }

            return into;
        }
        catch
        {
            into.Dispose();
            throw;
        }
    }

    /// <summary>The target tensor with the copy made into it; the source read for it is released at once.</summary>
    private static torch.Tensor Compute(PlannedCopy copy, StateDictSide source, StateDictSide target)
    {
        torch.Tensor into = target.Load(copy.Target.Name);
        try
        {
            using (torch.no_grad())
            using (torch.NewDisposeScope())
            {
                copy.Write(source.Load(copy.Source.Name), into);
            }

            return into;
        }
        catch
        {
            into.Dispose();
            throw;
        }
    }
}
