namespace Transfer.Rules.Planning;

/// <summary>
/// Makes a <see cref="TransferPlan"/> from tensor specs and rules. Pure: no tensors, no I/O, and linear in
/// keys × rules (each source key runs through the key rules once; matching is dictionary lookups).
/// Planning returns the plan even when the rules forbid it; call <see cref="TransferPlan.EnsureValid"/> to fail.
/// </summary>
/// <remarks>
/// The steps, in order: (1) every source key runs through the key rules (strip_prefix, add_prefix, rename);
/// (2) a renamed key equal to a target key matches it, two sources for one target being a conflict;
/// (3) targets still unmatched try the fallbacks of <see cref="RuleSet.Match"/> against sources no target
/// took, leaving ties <c>ambiguous</c> (a problem unless <c>ambiguous: skip</c>); (4) each match is judged:
/// excluded, dtype, shape policy; (5) required keys and min_loaded are checked, a plan that loads nothing fails
/// unless <c>min_loaded: 0</c>, and when less than half of the target loads the plan carries
/// <see cref="TransferPlan.Suggestions"/>.
/// </remarks>
public static class TransferPlanner
{
    /// <summary>Plans which source tensor feeds each target tensor.</summary>
    /// <param name="source">The source tensors, in checkpoint order; names must be unique.</param>
    /// <param name="target">The target tensors, in model order; names must be unique.</param>
    /// <param name="rules">The rules to match with.</param>
    /// <param name="sourceName">A label for the source in reports.</param>
    /// <param name="targetName">A label for the target in reports.</param>
    /// <exception cref="ArgumentException">A name appears twice in <paramref name="source"/> or <paramref name="target"/>.</exception>
    /// <exception cref="Errors.RuleConfigException">A rename regex ran past its match timeout.</exception>
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
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(targetName);

        MatchTable table = new(source, target, rules);
        table.MatchByName();
        foreach (MatchStrategy strategy in rules.Match)
        {
            if (strategy == MatchStrategy.Suffix)
            {
                SuffixMatcher.Run(table);
            }
            else if (strategy == MatchStrategy.Structural)
            {
                StructuralMatcher.Run(table);
            }
        }

        return PlanAssembler.Assemble(table, sourceName, targetName);
    }
}
