namespace Transfer.Rules.Reports;

/// <summary>
/// The outcome of <see cref="PlanComparison.Compare"/>: equal, or the entries that differ, in the new plan's
/// order, then entries only the saved report has.
/// </summary>
public sealed class PlanComparisonResult
{
    internal PlanComparisonResult(IReadOnlyList<PlanDifference> differences) => Differences = differences;

    /// <summary>Every entry whose status, source, reason, rule, cast or shapes differ, or that only one side has.</summary>
    public IReadOnlyList<PlanDifference> Differences { get; }

    /// <summary>True when every entry loads, skips and misses exactly as the saved report says.</summary>
    public bool AreEqual => Differences.Count == 0;

    /// <summary>One line per difference, <c>\n</c> after each; empty when equal. Reads well in a test failure.</summary>
    public override string ToString() => string.Concat(Differences.Select(d => d + "\n"));
}
