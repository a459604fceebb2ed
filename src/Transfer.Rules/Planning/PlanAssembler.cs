using System.Globalization;

namespace Transfer.Rules.Planning;

/// <summary>
/// Turns a filled <see cref="MatchTable"/> into the plan: judges each match (excluded, dtype, shape policy),
/// adds unused sources, counts, and lists the problems the rules forbid.
/// </summary>
internal static class PlanAssembler
{
    public static TransferPlan Assemble(MatchTable table, string sourceName, string targetName)
    {
        RuleSet rules = table.Rules;
        List<PlanEntry> entries = new(table.Target.Count + table.Source.Count);
        List<PlanProblem> problems = [];
        bool[] named = new bool[table.Source.Count];
        long loadedElements = 0, targetElements = 0;
        int loaded = 0, partial = 0, skipped = 0, missing = 0;

        for (int t = 0; t < table.Target.Count; t++)
        {
            TensorSpec target = table.Target[t];
            (PlanEntry entry, long elements) = Judge(table, t, problems);
            if (entry.Status is EntryStatus.Missing or EntryStatus.Skipped)
            {
                entry = entry with { Init = InitChoice.For(rules, target, problems) };
            }

            entries.Add(entry);
            targetElements += target.ElementCount;
            loadedElements += elements;
            if (table.Chosen[t] != MatchTable.None)
            {
                named[table.Chosen[t]] = true;
            }

            switch (entry.Status)
            {
                case EntryStatus.Loaded: loaded++; break;
                case EntryStatus.Partial: partial++; break;
                case EntryStatus.Skipped: skipped++; break;
                default: missing++; break;
            }

            CheckRequired(rules, entry, problems);
        }

        int unused = 0;
        for (int s = 0; s < table.Source.Count; s++)
        {
            if (!named[s])
            {
                TensorSpec spec = table.Source[s];
                entries.Add(new PlanEntry
                {
                    Source = spec.Name,
                    Status = EntryStatus.Unused,
                    SourceShape = spec.Shape,
                    SourceDtype = spec.DType,
                });
                unused++;
            }
        }

        foreach (RequiredRule rule in rules.Required)
        {
            foreach (string pattern in rule.Patterns)
            {
                if (!MatchesAnyTarget(table, pattern))
                {
                    problems.Add(new PlanProblem(null, $"required '{pattern}' matches no target key."));
                }
            }
        }

        if (rules.MinLoaded is double min && targetElements > 0 && loadedElements < min * targetElements)
        {
            problems.Add(new PlanProblem(null, string.Format(
                CultureInfo.InvariantCulture,
                "only {0} of the target's elements would load ({1:N0} of {2:N0}), below min_loaded {3}.",
                Coverage.Percent(loadedElements, targetElements),
                loadedElements,
                targetElements,
                min)));
        }

        return new TransferPlan
        {
            SourceName = sourceName,
            TargetName = targetName,
            Entries = entries,
            Summary = new PlanSummary(loaded, partial, skipped, missing, unused, loadedElements, targetElements),
            Problems = problems,
            Seed = rules.Seed ?? 0,
        };
    }

    private static (PlanEntry Entry, long LoadedElements) Judge(MatchTable table, int t, List<PlanProblem> problems)
    {
        TensorSpec target = table.Target[t];
        PlanEntry bare = new()
        {
            Target = target.Name,
            Status = EntryStatus.Missing,
            TargetShape = target.Shape,
            TargetDtype = target.DType,
        };

        if (table.Conflicts.TryGetValue(t, out List<int>? rivals))
        {
            string[] names = rivals.Select(s => table.Source[s].Name).ToArray();
            problems.Add(new PlanProblem(target.Name, $"{target.Name}: {names.Length} sources resolve to it: " +
                string.Join(", ", rivals.Select(s => $"'{table.Source[s].Name}' ({table.HowMapped[s]})")) + "."));
            return (bare with { Status = EntryStatus.Skipped, Reason = "conflict", Candidates = names }, 0);
        }

        int chosen = table.Chosen[t];
        if (chosen == MatchTable.None)
        {
            if (table.Ambiguous.TryGetValue(t, out List<int>? tied))
            {
                return (bare with { Reason = "ambiguous", Candidates = tied.Select(s => table.Source[s].Name).ToArray() }, 0);
            }

            return (bare with { Reason = table.Excluded[t] ? "excluded" : "no_source" }, 0);
        }

        TensorSpec source = table.Source[chosen];
        (EntryStatus status, string? reason, long elements, ShapePolicy? policy) = JudgeMatch(table, t, source, target, problems);
        PlanEntry matched = new()
        {
            Target = target.Name,
            Source = source.Name,
            Status = status,
            Reason = reason,
            Rule = table.MatchedBy[t],
            Policy = policy,
            Cast = status != EntryStatus.Skipped && source.DType != target.DType,
            SourceShape = source.Shape,
            TargetShape = target.Shape,
            SourceDtype = source.DType,
            TargetDtype = target.DType,
        };
        return (matched, elements);
    }

    /// <summary>What becomes of a target that found its source: excluded, dtype policy, shape policy.</summary>
    private static (EntryStatus Status, string? Reason, long LoadedElements, ShapePolicy? Policy) JudgeMatch(
        MatchTable table, int t, TensorSpec source, TensorSpec target, List<PlanProblem> problems)
    {
        if (table.Excluded[t])
        {
            return (EntryStatus.Skipped, "excluded", 0, null);
        }

        if (source.DType != target.DType && table.Rules.DTypeMismatch == DTypePolicy.Error)
        {
            problems.Add(new PlanProblem(target.Name,
                $"{target.Name}: dtype {source.DType} in the source but {target.DType} in the target (dtype_mismatch: error)."));
            return (EntryStatus.Skipped, "dtype_mismatch", 0, null);
        }

        if (source.SameShape(target))
        {
            return (EntryStatus.Loaded, null, target.ElementCount, null);
        }

        ShapePolicy policy = PolicyFor(table.Rules, target.Name);
        if (policy == ShapePolicy.Error)
        {
            problems.Add(new PlanProblem(target.Name, $"{target.Name}: shape {TensorSpec.FormatShape(source.Shape)} " +
                $"in the source but {TensorSpec.FormatShape(target.Shape)} in the target (shape_mismatch: error)."));
        }

        if (policy == ShapePolicy.AdaptChannels)
        {
            if (ChannelAdaptation.Fits(source.Shape, target.Shape))
            {
                return (EntryStatus.Partial, null, target.ElementCount, policy);
            }

            problems.Add(new PlanProblem(target.Name, ChannelAdaptation.Misfit(source, target)));
        }

        if (policy == ShapePolicy.Slice && source.Shape.Count == target.Shape.Count)
        {
            long overlap = 1;
            for (int d = 0; d < target.Shape.Count; d++)
            {
                overlap = checked(overlap * Math.Min(source.Shape[d], target.Shape[d]));
            }

            return (EntryStatus.Partial, null, overlap, policy);
        }

        return (EntryStatus.Skipped, "shape_mismatch", 0, null);
    }

    private static ShapePolicy PolicyFor(RuleSet rules, string key)
    {
        for (int i = rules.ShapeRules.Count - 1; i >= 0; i--)
        {
            if (rules.ShapeRules[i].Matches(key))
            {
                return rules.ShapeRules[i].Policy;
            }
        }

        return rules.ShapeMismatch;
    }

    private static bool MatchesAnyTarget(MatchTable table, string pattern)
    {
        if (pattern.AsSpan().IndexOfAny('*', '?') < 0)
        {
            return table.TargetIndex.ContainsKey(pattern);
        }

        return table.Target.Any(t => Glob.IsMatch(pattern, t.Name));
    }

    private static void CheckRequired(RuleSet rules, PlanEntry entry, List<PlanProblem> problems)
    {
        if (rules.Required.Any(r => r.Matches(entry.Target!)) && entry.Status is not (EntryStatus.Loaded or EntryStatus.Partial))
        {
            string status = entry.Status == EntryStatus.Skipped ? "skipped" : "missing";
            problems.Add(new PlanProblem(entry.Target, $"{entry.Target}: required but {status} ({entry.Reason})."));
        }
    }
}
