namespace Transfer.Rules.Planning;

/// <summary>
/// What every <see cref="TransferPlan"/> holds to, checked whenever its entries are set, and the summary
/// derived from them: a plan made inside Transfer can never contradict itself.
/// </summary>
internal static class PlanInvariants
{
    /// <summary>Throws <see cref="InvalidOperationException"/> for entries no planner may produce; returns their summary.</summary>
    public static PlanSummary Check(IReadOnlyList<PlanEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        HashSet<string> targets = new(StringComparer.Ordinal);
        HashSet<string> fed = new(StringComparer.Ordinal);
        bool unusedSeen = false;
        int loaded = 0, partial = 0, skipped = 0, missing = 0, unused = 0;
        long loadedElements = 0, targetElements = 0;
        foreach (PlanEntry e in entries)
        {
            if (e.Status == EntryStatus.Unused)
            {
                unusedSeen = true;
                Require(e.Target is null && e.Source is not null && e.SourceShape is not null && e.Reason is null, e, "an unused entry names its source only");
                unused++;
                continue;
            }

            Require(!unusedSeen, e, "target entries come before unused ones");
            Require(e.Target is not null && e.TargetShape is not null && e.TargetDtype is not null, e, "a target entry names its target, shape and dtype");
            Require(targets.Add(e.Target!), e, "each target appears once");
            targetElements = checked(targetElements + Elements(e.TargetShape!));
            switch (e.Status)
            {
                case EntryStatus.Loaded or EntryStatus.Partial:
                    Require(e.Source is not null && e.SourceShape is not null && e.SourceDtype is not null && e.Reason is null && e.RuleKind is not null,
                        e, "a loading entry names its source, shape, dtype and rule, and no reason");
                    Require(fed.Add(e.Source!), e, "one source feeds one target");
                    if (e.Status == EntryStatus.Loaded)
                    {
                        Require(e.SourceShape!.SequenceEqual(e.TargetShape!), e, "a loaded entry has equal shapes");
                        loadedElements = checked(loadedElements + Elements(e.TargetShape!));
                        loaded++;
                    }
                    else
                    {
                        Require(e.SourceShape!.Count == e.TargetShape!.Count, e, "a partial entry has shapes of one rank");
                        // adapt_channels fills every target element from the source; slice fills the overlap.
                        loadedElements = checked(loadedElements + (e.Policy == ShapePolicy.AdaptChannels
                            ? Elements(e.TargetShape!) : Overlap(e.SourceShape!, e.TargetShape!)));
                        partial++;
                    }

                    break;
                case EntryStatus.Skipped:
                    Require(e.Reason is not null && !e.Cast, e, "a skipped entry has a reason");
                    skipped++;
                    break;
                case EntryStatus.Missing:
                    Require(e.Reason is not null && e.Source is null && !e.Cast, e, "a missing entry has a reason and no source");
                    missing++;
                    break;
                default:
                    Require(false, e, "the status is defined");
                    break;
            }
        }

        return new PlanSummary(loaded, partial, skipped, missing, unused, loadedElements, targetElements);
    }

    private static long Elements(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (long size in shape)
        {
            count = checked(count * size);
        }

        return count;
    }

    private static long Overlap(IReadOnlyList<long> source, IReadOnlyList<long> target)
    {
        long overlap = 1;
        for (int d = 0; d < target.Count; d++)
        {
            overlap = checked(overlap * Math.Min(source[d], target[d]));
        }

        return overlap;
    }

    private static void Require(bool holds, PlanEntry entry, string invariant)
    {
        if (!holds)
        {
            throw new InvalidOperationException($"Inconsistent plan entry for '{entry.Target ?? entry.Source}': {invariant}.");
        }
    }
}
