namespace Transfer.Rules.Planning;

/// <summary>Makes a <see cref="TransferPlan"/> from tensor specs and rules. Pure: no tensors, no I/O.</summary>
public static class TransferPlanner
{
    /// <summary>Plans which source tensor feeds each target tensor.</summary>
    /// <param name="source">The source tensors, in checkpoint order.</param>
    /// <param name="target">The target tensors, in model order.</param>
    /// <param name="rules">The rules to match with.</param>
    /// <param name="sourceName">A label for the source in reports.</param>
    /// <param name="targetName">A label for the target in reports.</param>
    public static TransferPlan Plan(
        IReadOnlyList<TensorSpec> source,
        IReadOnlyList<TensorSpec> target,
        RuleSet rules,
        string sourceName = "source",
        string targetName = "target")
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(rules);

        Dictionary<string, TensorSpec> byName = source.ToDictionary(s => s.Name, StringComparer.Ordinal);
        HashSet<string> used = new(StringComparer.Ordinal);
        List<PlanEntry> entries = new(target.Count + source.Count);
        foreach (TensorSpec t in target)
        {
            if (!byName.TryGetValue(t.Name, out TensorSpec? s))
            {
                entries.Add(new PlanEntry
                {
                    Target = t.Name, Status = EntryStatus.Missing, Reason = "no_source",
                    TargetShape = t.Shape, TargetDtype = t.DType,
                });
                continue;
            }

            used.Add(s.Name);
            bool fits = s.SameShape(t);
            entries.Add(new PlanEntry
            {
                Target = t.Name, Source = s.Name, Rule = "name",
                Status = fits ? EntryStatus.Loaded : EntryStatus.Skipped,
                Reason = fits ? null : "shape_mismatch",
                SourceShape = s.Shape, TargetShape = t.Shape, SourceDtype = s.DType, TargetDtype = t.DType,
            });
        }

        foreach (TensorSpec s in source)
        {
            if (!used.Contains(s.Name))
            {
                entries.Add(new PlanEntry
                {
                    Source = s.Name, Status = EntryStatus.Unused, SourceShape = s.Shape, SourceDtype = s.DType,
                });
            }
        }

        long targetElements = target.Sum(t => t.ElementCount);
        long loadedElements = target
            .Zip(entries)
            .Where(p => p.Second.Status == EntryStatus.Loaded)
            .Sum(p => p.First.ElementCount);
        PlanSummary summary = new(
            entries.Count(e => e.Status == EntryStatus.Loaded),
            entries.Count(e => e.Status == EntryStatus.Partial),
            entries.Count(e => e.Status == EntryStatus.Skipped),
            entries.Count(e => e.Status == EntryStatus.Missing),
            entries.Count(e => e.Status == EntryStatus.Unused),
            loadedElements,
            targetElements);
        return new TransferPlan { SourceName = sourceName, TargetName = targetName, Entries = entries, Summary = summary };
    }
}
